package io.logpipe.shipper.input;

import io.logpipe.shipper.registry.FileIdentity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The first bytes of a file (up to {@link FileIdentity#FINGERPRINT_BYTES}), read once when the file is opened
 * ({@link #read}: its identity, and the check against the registry's fingerprint) and, for its harvester, as it read
 * them. A file that no longer begins with them was truncated and rewritten (copytruncate), whatever its size is now:
 * the rewrite may already be longer than the offset reached. A harvester's head is recorded while reading (or seeded
 * from the bytes read at open), never re-read from the file later, because by then the file may hold new content,
 * and a fingerprint taken from it would hide the truncation.
 */
final class ContentHead {
    private final byte[] bytes = new byte[FileIdentity.FINGERPRINT_BYTES];
    private final ByteBuffer scratch = ByteBuffer.allocate(FileIdentity.FINGERPRINT_BYTES);
    private int length;

    /** The file's first bytes as they are now: one read when a file is opened. */
    static ContentHead read(FileChannel channel) throws IOException {
        ContentHead head = new ContentHead();
        head.seed(channel, FileIdentity.FINGERPRINT_BYTES);
        return head;
    }

    /** How many leading bytes are known. */
    int length() {
        return length;
    }

    /** Reading restarts at offset 0: nothing is known. */
    void reset() {
        length = 0;
    }

    /** Reading starts at {@code offset} (from the registry): what lies before it is taken from the file now. */
    void seed(FileChannel channel, long offset) throws IOException {
        length = readHead(channel, (int) Math.min(offset, bytes.length));
        System.arraycopy(scratch.array(), 0, bytes, 0, length);
    }

    /**
     * Reading starts at {@code offset}: what lies before it is taken from {@code opened}, the bytes read when the
     * file was opened just now, or from the file if those are fewer (it grew between the two looks).
     */
    void seed(ContentHead opened, FileChannel channel, long offset) throws IOException {
        int wanted = (int) Math.min(offset, bytes.length);
        if (opened.length < wanted) {
            seed(channel, offset);
            return;
        }
        System.arraycopy(opened.bytes, 0, bytes, 0, wanted);
        length = wanted;
    }

    /** Whether these bytes begin with the ones {@code known}'s fingerprint was computed over. */
    boolean startsWith(FileIdentity known) {
        int n = known.fingerprintLength();
        if (n == 0) {
            return true;
        }
        if (length < n) {
            return false;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, n);
        return crc.getValue() == known.fingerprint();
    }

    /** {@code n} bytes of {@code a} were read at file offset {@code offset}; keeps those that extend the head. */
    void record(long offset, byte[] a, int n) {
        if (length >= bytes.length || offset > length || offset + n <= length) {
            return;
        }
        int from = (int) (length - offset);
        int count = Math.min(n - from, bytes.length - length);
        System.arraycopy(a, from, bytes, length, count);
        length += count;
    }

    /** Whether the file still begins with the known bytes (a file now shorter than them does not). */
    boolean stillAt(FileChannel channel) throws IOException {
        if (length == 0) {
            return true;
        }
        int n = readHead(channel, length);
        return n == length && Arrays.equals(scratch.array(), 0, n, bytes, 0, n);
    }

    /** The identity (fingerprint over the known bytes) of this file. */
    FileIdentity identity(long device, long inode) {
        return identity(device, inode, length);
    }

    /** The identity with the fingerprint over the first {@code prefix} known bytes (at most {@link #length}). */
    FileIdentity identity(long device, long inode, int prefix) {
        int n = Math.min(prefix, length);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, n);
        return new FileIdentity(device, inode, n, crc.getValue());
    }

    private int readHead(FileChannel channel, int max) throws IOException {
        scratch.clear().limit(max);
        while (scratch.hasRemaining()) {
            if (channel.read(scratch, scratch.position()) <= 0) {
                break;
            }
        }
        return scratch.position();
    }
}
