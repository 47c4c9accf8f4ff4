package io.logpipe.queue.log;

import io.logpipe.common.io.FormatVersion;
import io.logpipe.queue.util.FramedRecords;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A segment's {@code .txnsnapshot}: the partition's transaction state where the segment begins, written when the
 * log rolls to the segment: the transactions open there (producer id, offset of the transaction's first batch) and
 * the epoch each producer was last fenced at by a marker (so markers in older segments keep fencing zombies). Kafka
 * keeps the same in its producer snapshots ({@code currentTxnFirstOffset}, {@code epoch}). It lets a start replay
 * the batch headers of the last two segments only (the ones recovery re-reads after an unclean stop) and still know
 * every open transaction, the last stable offset and the first offset each later ABORT marker's {@code .txnindex}
 * entry needs.
 *
 * <p>Byte format: one {@link FramedRecords} record ({@code [int32 payload length][int32 CRC32C][payload]}), payload,
 * big-endian:
 * <pre>
 *   int8  version       1 (checked with {@link FormatVersion})
 *   int64 base offset   the segment's, as in the file name
 *   int32 open count,     then per open transaction: int64 producer id, int64 first offset
 *   int32 producer count, then per producer:         int64 producer id, int16 epoch
 * </pre>
 * Written at the roll without an fsync; the segment's first {@link LogSegment#flush()} fsyncs it. A missing or torn
 * file (no whole record) is not trusted: the start replays from an earlier segment's snapshot instead, or from the
 * first segment, and writes the missing ones. A newer version stops the start, the file untouched.
 */
final class TransactionSnapshot {
    static final String SUFFIX = ".txnsnapshot";
    static final FormatVersion FORMAT = new FormatVersion("queue transaction snapshot", 1);

    private TransactionSnapshot() {
    }

    /** The state at a segment's start: open transactions (producer id to first offset), producer epochs. */
    record State(Map<Long, Long> open, Map<Long, Short> epochs) {
    }

    /** Writes {@code state} at {@code baseOffset} into {@code file}. */
    static void write(Path file, long baseOffset, State state) throws IOException {
        ByteBuffer payload = ByteBuffer.allocate(1 + 8 + 4 + state.open().size() * 16 + 4 + state.epochs().size() * 10);
        payload.put((byte) FORMAT.current()).putLong(baseOffset).putInt(state.open().size());
        for (Map.Entry<Long, Long> e : state.open().entrySet()) {
            payload.putLong(e.getKey()).putLong(e.getValue());
        }
        payload.putInt(state.epochs().size());
        for (Map.Entry<Long, Short> e : state.epochs().entrySet()) {
            payload.putLong(e.getKey()).putShort(e.getValue());
        }
        payload.flip();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            FramedRecords.write(out, payload);
        }
    }

    /**
     * The state at {@code baseOffset} as {@code file} holds it (maps in the order written), or null when the file is
     * missing, torn, or for another offset.
     */
    static State read(Path file, long baseOffset) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        Map<Long, Long> open = new LinkedHashMap<>();
        Map<Long, Short> epochs = new LinkedHashMap<>();
        boolean[] matches = {false};
        int records = FramedRecords.read(ByteBuffer.wrap(bytes), file, FORMAT, payload -> {
            payload.get(); // the version, checked
            if (payload.getLong() != baseOffset) {
                return;
            }
            int count = payload.getInt();
            if (count < 0 || count > payload.remaining() / 16) {
                throw new IOException("count " + count + " does not fit the record");
            }
            for (int i = 0; i < count; i++) {
                open.put(payload.getLong(), payload.getLong());
            }
            int producers = payload.getInt();
            if (producers < 0 || producers > payload.remaining() / 10) {
                throw new IOException("producer count " + producers + " does not fit the record");
            }
            for (int i = 0; i < producers; i++) {
                epochs.put(payload.getLong(), payload.getShort());
            }
            matches[0] = true;
        });
        return records == 1 && matches[0]
                ? new State(Collections.unmodifiableMap(open), Collections.unmodifiableMap(epochs)) : null;
    }
}
