package io.logpipe.queue.util;

import io.logpipe.common.io.FormatVersion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The framing of the broker's own append-only state files ({@code consumer-offsets.log}, {@code transactions.log}):
 * records of {@code [int32 payload length][int32 CRC32C of payload][payload]}, where the payload's first byte is the
 * record's {@link FormatVersion}. A record is whole and checks out, or it and everything after it is a tail torn by
 * a crash. A record that checks out but is of a newer version, or cannot be parsed, stops the reading with the file
 * named: it is never taken for a torn tail, so the caller never drops it.
 */
public final class FramedRecords {
    public static final int HEADER_BYTES = 8;
    /** No state record is near this; a length beyond it is garbage, read as the start of a torn tail. */
    public static final int MAX_RECORD_BYTES = 64 << 20;

    /** Parses one record's payload (version byte included). */
    @FunctionalInterface
    public interface PayloadReader {
        void read(ByteBuffer payload) throws IOException;
    }

    private FramedRecords() {
    }

    /**
     * Hands each whole, checked record of {@code all} (from its position) to {@code reader}, after checking its
     * version against {@code format}; returns how many. {@code all}'s position ends after the last whole record:
     * what remains is a torn tail.
     */
    public static int read(ByteBuffer all, Path file, FormatVersion format, PayloadReader reader) throws IOException {
        int records = 0;
        while (all.remaining() >= HEADER_BYTES) {
            int start = all.position();
            int length = all.getInt();
            int crc = all.getInt();
            if (length < 0 || length > MAX_RECORD_BYTES || length > all.remaining()) {
                all.position(start);
                break;
            }
            ByteBuffer payload = all.slice(all.position(), length);
            if (crc(payload) != crc) {
                all.position(start);
                break;
            }
            if (length > 0) {
                format.check(file, Byte.toUnsignedInt(payload.get(0)));
            }
            try {
                reader.read(payload.duplicate());
            } catch (IOException | RuntimeException e) {
                // A record that checks out but cannot be parsed is a bug or a foreign file: stop, keep the file.
                throw new IOException(file + ": record at byte " + start + " is unreadable: " + e, e);
            }
            all.position(all.position() + length);
            records++;
        }
        return records;
    }

    /** Writes {@code payload} (from its position to its limit) as one framed record. */
    public static void write(GatheringByteChannel out, ByteBuffer payload) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).putInt(payload.remaining()).putInt(crc(payload)).flip();
        ByteBuffer[] parts = {header, payload};
        while (header.hasRemaining() || payload.hasRemaining()) {
            out.write(parts);
        }
    }

    private static int crc(ByteBuffer payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload.duplicate());
        return (int) crc.getValue();
    }
}
