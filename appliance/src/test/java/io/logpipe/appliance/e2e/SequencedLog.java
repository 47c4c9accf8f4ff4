package io.logpipe.appliance.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An application log as the fault test writes it: lines numbered {@code seq=00000000} on, appended to
 * {@code app.log}, rotated by rename ({@code app.log} becomes {@code app.log.1}, {@code .2}, ...; the shipper's glob
 * {@code app.log*} follows them) every {@code rotateEvery} lines, and once by copytruncate on request. Some lines are
 * the bad input a real log has: one that is not valid UTF-8, one far over the shipper's {@code max_bytes}, one after
 * a NUL-filled region (what a writer that crashed mid-block leaves). Each still carries its number, so it is counted
 * like every other line.
 */
final class SequencedLog implements AutoCloseable {
    static final long INVALID_UTF8 = 101;
    static final long OVERSIZED = 202;
    /** 10 MB, far over the fault test's max_bytes (64 KB): the shipper ships the first 64 KB, flagged truncated. */
    static final int OVERSIZED_BYTES = 10 << 20;
    static final long AFTER_NULS = 303;
    static final int NUL_BYTES = 4096;
    private static final Pattern SEQUENCE = Pattern.compile("seq=(\\d{8})");

    private final Path dir;
    private final Path live;
    private final int rotateEvery;
    private FileChannel out;
    private long next;
    private int rotations;
    private int copyTruncations;

    SequencedLog(Path dir, int rotateEvery) throws IOException {
        this.dir = dir;
        this.live = dir.resolve("app.log");
        this.rotateEvery = rotateEvery;
        this.out = open();
    }

    /** The number a line carries, or -1. */
    static long sequenceOf(String message) {
        Matcher m = SEQUENCE.matcher(message);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private FileChannel open() throws IOException {
        return FileChannel.open(live, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /** Lines written so far: numbers 0 to {@code written() - 1}. */
    synchronized long written() {
        return next;
    }

    synchronized int rotations() {
        return rotations;
    }

    synchronized int copyTruncations() {
        return copyTruncations;
    }

    /** Appends {@code count} numbered lines (one write call), rotating by rename when a multiple of rotateEvery is passed. */
    synchronized void append(int count) throws IOException {
        StringBuilder text = new StringBuilder(count * 64);
        for (int i = 0; i < count; i++) {
            long seq = next++;
            if (seq == INVALID_UTF8 || seq == OVERSIZED || seq == AFTER_NULS) {
                flush(text);
                ByteBuffer b = ByteBuffer.wrap(special(seq));
                while (b.hasRemaining()) {
                    out.write(b);
                }
            } else {
                text.append(line(seq)).append('\n');
            }
            if (next % rotateEvery == 0) {
                flush(text);
                rotate();
            }
        }
        flush(text);
    }

    static String line(long seq) {
        return String.format("seq=%08d an ordinary line of the application log, nothing special about it", seq);
    }

    /** The text of a bad line as Elasticsearch should hold it, given the shipper's {@code max_bytes}. */
    static String expectedMessage(long seq, int maxBytes) {
        String head = String.format("seq=%08d ", seq);
        if (seq == INVALID_UTF8) {
            return head + "not valid UTF-8: \uFFFD\uFFFD\uFFFD("; // each malformed sequence replaced, as Filebeat does
        }
        if (seq == OVERSIZED) {
            return (head + "x".repeat(OVERSIZED_BYTES)).substring(0, maxBytes);
        }
        if (seq == AFTER_NULS) {
            return "\u0000".repeat(NUL_BYTES) + head + "the first line after a NUL-filled region";
        }
        throw new IllegalArgumentException(seq + " is not a bad line");
    }

    private static byte[] special(long seq) {
        String head = String.format("seq=%08d ", seq);
        if (seq == INVALID_UTF8) {
            byte[] a = (head + "not valid UTF-8: ").getBytes(StandardCharsets.US_ASCII);
            byte[] bad = {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, '(', '\n'};
            byte[] all = new byte[a.length + bad.length];
            System.arraycopy(a, 0, all, 0, a.length);
            System.arraycopy(bad, 0, all, a.length, bad.length);
            return all;
        }
        if (seq == OVERSIZED) {
            return (head + "x".repeat(OVERSIZED_BYTES) + "\n").getBytes(StandardCharsets.US_ASCII);
        }
        byte[] line = (head + "the first line after a NUL-filled region\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[NUL_BYTES + line.length];
        System.arraycopy(line, 0, all, NUL_BYTES, line.length);
        return all;
    }

    private void flush(StringBuilder text) throws IOException {
        if (text.length() > 0) {
            ByteBuffer b = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.US_ASCII));
            while (b.hasRemaining()) {
                out.write(b);
            }
            text.setLength(0);
        }
    }

    private void rotate() throws IOException {
        out.close();
        rotations++;
        Files.move(live, dir.resolve("app.log." + rotations));
        out = open();
    }

    /**
     * logrotate's copytruncate: copies the live file where the shipper does not look, then truncates it in place.
     * Lines the shipper had not read by then exist only in the copy (copytruncate's own hole), so the caller first
     * waits until all of them arrived ({@code allShipped}); the writer is paused meanwhile, as logrotate cannot do.
     */
    synchronized void copyTruncate(Waiter allShipped) throws Exception {
        allShipped.await(next);
        Files.copy(live, dir.resolve("copied-by-logrotate.txt"), StandardCopyOption.REPLACE_EXISTING);
        out.truncate(0);
        copyTruncations++;
    }

    interface Waiter {
        void await(long lines) throws Exception;
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
