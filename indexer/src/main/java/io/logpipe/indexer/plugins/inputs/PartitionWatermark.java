package io.logpipe.indexer.plugins.inputs;

import java.util.Map;
import java.util.TreeMap;

/**
 * The committable offset of one Kafka partition: the first offset of the oldest {@link FetchedRange} whose events
 * are not all acknowledged yet, or one past the highest offset of a completed range when none is pending. Workers
 * acknowledge out of order; the watermark only advances over completed ranges, so a committed offset never skips an
 * unwritten event. Ranges, not single records, are tracked so that acknowledging an event costs one atomic decrement.
 */
public final class PartitionWatermark {
    /** First offset of each pending range → how many pending ranges start there (a partition read again after a rebalance can repeat one). */
    private final TreeMap<Long, Integer> pending = new TreeMap<>();
    private long nextOffset = -1;
    private long committed = -1;

    /** Opens the range of records fetched from {@code firstOffset} on; it stays pending until it completes. */
    public synchronized FetchedRange open(long firstOffset) {
        pending.merge(firstOffset, 1, Integer::sum);
        return new FetchedRange(this, firstOffset);
    }

    /** Every event of the range {@code [firstOffset, endOffset)} is handled by every output. */
    synchronized void completed(long firstOffset, long endOffset) {
        Integer left = pending.get(firstOffset);
        if (left != null) {
            if (left <= 1) {
                pending.remove(firstOffset);
            } else {
                pending.put(firstOffset, left - 1);
            }
        }
        nextOffset = Math.max(nextOffset, endOffset);
    }

    /** The offset to commit (the next one to read after a restart), or -1 when nothing completed yet. */
    public synchronized long committable() {
        Map.Entry<Long, Integer> first = pending.firstEntry();
        return first != null ? first.getKey() : nextOffset;
    }

    /** The offset to commit if it moved since the last {@link #committed(long)}, else -1. */
    public synchronized long toCommit() {
        long offset = committable();
        return offset > committed ? offset : -1;
    }

    public synchronized void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    public synchronized long lastCommitted() {
        return committed;
    }
}
