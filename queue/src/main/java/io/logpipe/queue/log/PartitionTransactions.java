package io.logpipe.queue.log;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.record.ControlRecordType;

/**
 * The transactions of one partition as its log tells them: for each producer with an open transaction, where its
 * first transactional batch starts (the last stable offset, LSO, is the earliest such start, or the log end when
 * none is open), and the aborted transactions (producer id, first offset, offset of the ABORT marker) a
 * read_committed fetch must list so the client drops their batches. Rebuilt at open by replaying the batch headers
 * of every segment, so it is kept in memory only (Kafka keeps the aborted list in a per-segment {@code .txnindex}).
 * Written under the partition's lock; synchronized itself too, since fetches read it without that lock.
 */
final class PartitionTransactions {
    /** Where an open transaction's first batch is: its offset and its place in a segment file. */
    record Start(long firstOffset, long segmentBase, int position) {
    }

    /** An aborted transaction: its first offset and the offset of its ABORT marker. */
    record Aborted(long producerId, long firstOffset, long lastOffset) {
    }

    private final Map<Long, Start> open = new HashMap<>();
    /** In marker order, so by {@code lastOffset}. */
    private final List<Aborted> aborted = new ArrayList<>();
    private volatile Start firstOpen;

    /** A transactional data batch of {@code producerId} written at {@code start}; opens its transaction if new. */
    synchronized void onTransactionalBatch(long producerId, Start start) {
        if (open.putIfAbsent(producerId, start) == null) {
            recomputeFirstOpen();
        }
    }

    /** A COMMIT or ABORT marker of {@code producerId} at {@code markerOffset}: its transaction is over. */
    synchronized void onMarker(long producerId, ControlRecordType type, long markerOffset) {
        Start start = open.remove(producerId);
        if (start == null) {
            return; // a marker for a transaction with no data here (retried completion, or nothing was written)
        }
        if (type == ControlRecordType.ABORT) {
            aborted.add(new Aborted(producerId, start.firstOffset(), markerOffset));
        }
        recomputeFirstOpen();
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

    /** Aborted transactions that overlap [{@code from}, {@code to}), as a fetch response lists them. */
    synchronized List<FetchResponseData.AbortedTransaction> abortedBetween(long from, long to) {
        List<FetchResponseData.AbortedTransaction> result = new ArrayList<>();
        // binary search for the first whose marker is at or after from
        int low = 0;
        int high = aborted.size();
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (aborted.get(mid).lastOffset() < from) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        for (int i = low; i < aborted.size(); i++) {
            Aborted a = aborted.get(i);
            if (a.firstOffset() < to) {
                result.add(new FetchResponseData.AbortedTransaction().setProducerId(a.producerId())
                        .setFirstOffset(a.firstOffset()));
            }
        }
        return result;
    }

    /** Forgets aborted transactions that ended before {@code logStartOffset} (their batches are gone). */
    synchronized void retainFrom(long logStartOffset) {
        aborted.removeIf(a -> a.lastOffset() < logStartOffset);
    }
}
