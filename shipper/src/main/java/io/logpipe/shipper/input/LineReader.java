package io.logpipe.shipper.input;

import io.logpipe.shipper.event.MessageText;
import io.logpipe.shipper.multiline.Line;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Splits a file into lines. A line is complete only once its newline has been read: a partial last line stays
 * buffered (and unshipped) until the writer finishes it. {@code \r\n} loses its {@code \r}; a line longer than
 * {@code max_bytes} is cut there and flagged; bytes that are not valid in the encoding become U+FFFD, never dropped.
 *
 * <p>Complete lines are decoded straight out of the read buffer; only a line that straddles two reads is copied.
 * With {@link #keepBytes} (UTF-8 input that nothing reads as text before it is shipped) a line is not decoded at all:
 * it carries a copy of its bytes, which the encoder writes into the event (see {@link MessageText}).
 */
final class LineReader {
    private final FileChannel channel;
    private final Charset charset;
    private final boolean utf8;
    private final int maxBytes;
    /** The newline as encoded: one byte (ASCII-compatible encodings) or two (UTF-16). */
    private final byte[] newline;
    private final ByteBuffer buffer;
    private final ContentHead head = new ContentHead();
    /** Bytes read by the last {@link #fill} and not yet split into lines. */
    private int filled;

    /** The beginning of an unfinished line carried over from earlier reads (at most maxBytes + 1 bytes kept). */
    private byte[] partial = new byte[0];
    private int partialLength;
    private long partialTotal;

    private boolean keepBytes;

    /** File offset of the next byte to read. */
    private long readOffset;
    /** File offset just after the last complete line handed out. */
    private long lineOffset;

    LineReader(FileChannel channel, Charset charset, int maxBytes, int bufferSize, long startOffset) {
        this.channel = channel;
        this.charset = charset;
        this.utf8 = charset.equals(StandardCharsets.UTF_8);
        this.maxBytes = maxBytes;
        Charset plain = charset.name().equals("UTF-16") ? StandardCharsets.UTF_16BE : charset;
        this.newline = "\n".getBytes(plain);
        this.buffer = ByteBuffer.allocate(Math.max(bufferSize, 64));
        seek(startOffset);
    }

    /**
     * Lines keep their bytes instead of being decoded, when the encoding is UTF-8. Only for inputs where nothing
     * reads a line as a String (no multiline, JSON decoding or line filters): there it would cost a copy and memory
     * twice over.
     */
    void keepBytes(boolean keep) {
        this.keepBytes = keep;
    }

    /** Restart at {@code offset}, forgetting any partial line. */
    void seek(long offset) {
        if (offset == 0) {
            head.reset();
        }
        filled = 0;
        readOffset = offset;
        lineOffset = offset;
        partialLength = 0;
        partialTotal = 0;
        if (partial.length > 1 << 16) {
            partial = new byte[0];
        }
    }

    /** Offset after the last complete line: where reading would resume. */
    long lineOffset() {
        return lineOffset;
    }

    long readOffset() {
        return readOffset;
    }

    /** The file's first bytes as read so far (seeded by the caller when reading does not start at 0). */
    ContentHead head() {
        return head;
    }

    /**
     * Reads once (up to the buffer size) and hands every completed line to {@code out}.
     *
     * @return bytes read; 0 at end of file
     */
    int read(Consumer<Line> out) throws IOException {
        int n = fill();
        split(out);
        return n;
    }

    /**
     * Reads once (up to the buffer size) without splitting, so that the caller can check the file was not
     * replaced under it before anything read is handed out; {@link #seek} drops what was filled.
     *
     * @return bytes read; 0 at end of file
     */
    int fill() throws IOException {
        buffer.clear();
        int n = channel.read(buffer, readOffset);
        if (n <= 0) {
            filled = 0;
            return 0;
        }
        head.record(readOffset, buffer.array(), n);
        readOffset += n;
        filled = n;
        return n;
    }

    /** Hands every line completed by the last {@link #fill} to {@code out}. */
    void split(Consumer<Line> out) {
        int n = filled;
        filled = 0;
        if (n == 0) {
            return;
        }
        byte[] a = buffer.array();
        if (newline.length == 1) {
            splitSingleByte(a, n, out);
        } else {
            splitMultiByte(a, n, out);
        }
    }

    private void splitSingleByte(byte[] a, int n, Consumer<Line> out) {
        int start = 0;
        byte nl = newline[0];
        for (int i = 0; i < n; i++) {
            if (a[i] != nl) {
                continue;
            }
            long end = lineOffset + partialTotal + (i - start) + 1;
            if (partialTotal == 0) {
                emit(a, start, i - start, end, false, out);
            } else {
                append(a, start, i - start);
                emit(partial, 0, partialLength, end, partialTotal > partialLength, out);
                partialLength = 0;
                partialTotal = 0;
            }
            start = i + 1;
        }
        if (start < n) {
            append(a, start, n - start);
        }
    }

    private void splitMultiByte(byte[] a, int n, Consumer<Line> out) {
        // Rare (UTF-16): collect everything, then cut at aligned two-byte newlines.
        append(a, 0, n);
        if (partialTotal > partialLength) {
            // an over-long line: only look for its end in the new bytes
            int k = newline.length;
            for (int i = 0; i + k <= n; i++) {
                if (a[i] == newline[0] && a[i + 1] == newline[1] && (partialTotal - n + i) % k == 0) {
                    long end = lineOffset + partialTotal - n + i + k;
                    emit(partial, 0, Math.min(partialLength, maxBytes), end, true, out);
                    long restStart = i + k;
                    partialLength = 0;
                    partialTotal = 0;
                    if (restStart < n) {
                        splitMultiByte(Arrays.copyOfRange(a, (int) restStart, n), (int) (n - restStart), out);
                    }
                    return;
                }
            }
            return;
        }
        int k = newline.length;
        int start = 0;
        for (int i = 0; i + k <= partialLength; i += k) {
            if (partial[i] == newline[0] && partial[i + 1] == newline[1]) {
                emit(partial, start, i - start, lineOffset + (i - start) + k, false, out);
                start = i + k;
                i = start - k;
            }
        }
        if (start > 0) {
            System.arraycopy(partial, start, partial, 0, partialLength - start);
            partialLength -= start;
            partialTotal = partialLength;
        }
    }

    private void append(byte[] a, int from, int length) {
        partialTotal += length;
        int keep = Math.min(length, maxBytes + 1 - partialLength);
        if (keep <= 0) {
            return;
        }
        if (partialLength + keep > partial.length) {
            partial = Arrays.copyOf(partial, Math.max(partialLength + keep, Math.min(partial.length * 2 + 64,
                    maxBytes + 1)));
        }
        System.arraycopy(a, from, partial, partialLength, keep);
        partialLength += keep;
    }

    private void emit(byte[] a, int from, int length, long end, boolean truncated, Consumer<Line> out) {
        long start = lineOffset;
        lineOffset = end;
        if (newline.length == 1 && length > 0 && a[from + length - 1] == '\r' && !truncated) {
            length--;
        }
        if (length > maxBytes) {
            length = maxBytes;
            truncated = true;
        }
        if (truncated && utf8) {
            // do not cut a UTF-8 character in half: back off to its first byte
            int cut = length;
            while (cut > 0 && cut < length + 1 && (a[from + cut] & 0xC0) == 0x80) {
                cut--;
            }
            length = cut;
        }
        if (keepBytes && utf8 && newline.length == 1) {
            out.accept(new Line(MessageText.utf8(Arrays.copyOfRange(a, from, from + length)), start, end, truncated));
            return;
        }
        String text = new String(a, from, length, charset);
        if (newline.length > 1 && text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        out.accept(new Line(text, start, end, truncated));
    }
}
