package io.logpipe.shipper.input;

import io.logpipe.shipper.registry.FileIdentity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The first bytes of a file (up to {@link FileIdentity#FINGERPRINT_BYTES}) as its harvester read them. A file that
 * no longer begins with them was truncated and rewritten (copytruncate), whatever its size is now: the rewrite may
 * already be longer than the offset reached. They are recorded while reading, never re-read from the file later,
 * because by then the file may hold new content, and a fingerprint taken from it would hide the truncation.
 */
final class ContentHead {
    private final byte[] bytes = new byte[FileIdentity.FINGERPRINT_BYTES];
    private final ByteBuffer scratch = ByteBuffer.allocate(FileIdentity.FINGERPRINT_BYTES);
    private int length;

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
