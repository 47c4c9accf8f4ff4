package io.logpipe.queue.log;

import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.record.ControlRecordType;

/**
 * The open transactions of one partition: for each producer with one, where its first transactional batch starts.
 * The last stable offset (LSO) is the earliest such start, or the log end when none is open. Aborted transactions
 * are not kept here: each segment's {@link TransactionIndex} holds those of its ABORT markers. At open this is seeded
 * from a segment's {@link TransactionSnapshot} and brought to the log end by replaying the batch headers after it.
 * Written under the partition's lock; synchronized itself too, since fetches read it without that lock.
 */
final class PartitionTransactions {
    /**
     * Where an open transaction's first batch is: its offset and its place in a segment file ({@code segmentBase}
     * names no segment when retention removed the one it began in).
     */
    record Start(long firstOffset, long segmentBase, int position) {
    }

    private final Map<Long, Start> open = new HashMap<>();
    private volatile Start firstOpen;

    /** A transactional data batch of {@code producerId} written at {@code start}; opens its transaction if new. */
    synchronized void onTransactionalBatch(long producerId, Start start) {
        if (open.putIfAbsent(producerId, start) == null) {
            recomputeFirstOpen();
        }
    }

    /** Where {@code producerId}'s open transaction starts, or null when it has none here. */
    synchronized Start openStart(long producerId) {
        return open.get(producerId);
    }

    /**
     * A COMMIT or ABORT marker of {@code producerId} at {@code markerOffset}: its transaction is over. Returns where
     * it started, or null when it had no data here (retried completion, or nothing was written).
     */
    synchronized Start onMarker(long producerId, ControlRecordType type, long markerOffset) {
        Start start = open.remove(producerId);
        if (start != null) {
            recomputeFirstOpen();
        }
        return start;
    }

    /** The LSO once {@code producerId}'s transaction is over and the log ends at {@code logEnd}. */
    synchronized long lastStableOffsetWithout(long producerId, long logEnd) {
        long lso = logEnd;
        for (Map.Entry<Long, Start> e : open.entrySet()) {
            if (e.getKey() != producerId) {
                lso = Math.min(lso, e.getValue().firstOffset());
            }
        }
        return lso;
    }

    private void recomputeFirstOpen() {
        firstOpen = open.values().stream().min(Comparator.comparingLong(Start::firstOffset)).orElse(null);
    }

    /** The earliest open transaction's start, or null when none is open (the LSO is then the log end). */
    Start firstOpen() {
        return firstOpen;
    }

    /** Producers with an open transaction here. */
    synchronized int openCount() {
        return open.size();
    }

    /** Producer id to first offset of each open transaction, earliest first: what a snapshot keeps. */
    synchronized Map<Long, Long> firstOffsets() {
        Map<Long, Long> result = new LinkedHashMap<>();
        open.entrySet().stream().sorted(Comparator.comparingLong(e -> e.getValue().firstOffset()))
                .forEach(e -> result.put(e.getKey(), e.getValue().firstOffset()));
        return result;
    }
}
