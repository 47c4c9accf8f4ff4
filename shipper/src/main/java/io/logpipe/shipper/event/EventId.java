package io.logpipe.shipper.event;

import io.logpipe.shipper.registry.FileIdentity;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * An event's document id, shipped as {@code @metadata._id} (where Beats put one): the same whenever the same bytes of
 * the same file are read again on the same host (after a crash, a lost registry, a restart from offset 0), so that
 * Elasticsearch overwrites a replayed event instead of adding it twice.
 *
 * <p>Format: 16 characters of URL-safe base64 (96 bits of SHA-256 over the host name, the file's device, inode,
 * fingerprint length and fingerprint), then the event's first byte offset in base 36. The key has a fixed length, so
 * no two (file, offset) pairs give the same text. The host is {@code name} (the host name unless configured), not
 * the agent id: the id lives in the data directory, which may be what was lost.
 */
public final class EventId {
    static final int KEY_CHARS = 16;

    private String lastHost;
    private FileIdentity lastFile;
    private String lastKey;

    /** The id of the event at {@code offset} of {@code file} shipped from {@code host}. */
    public String of(String host, FileIdentity file, long offset) {
        if (!file.equals(lastFile) || !host.equals(lastHost)) {
            lastKey = fileKey(host, file);
            lastFile = file;
            lastHost = host;
        }
        return lastKey + Long.toString(offset, 36);
    }

    static String fileKey(String host, FileIdentity file) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        sha.update(host.getBytes(StandardCharsets.UTF_8));
        sha.update(ByteBuffer.allocate(1 + 8 + 8 + 4 + 8).put((byte) 0).putLong(file.device()).putLong(file.inode())
                .putInt(file.fingerprintLength()).putLong(file.fingerprint()).flip());
        byte[] digest = sha.digest();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 12));
    }
}
