package io.logpipe.indexer.pipeline;

import java.util.Map;
import java.util.TreeMap;

/**
 * The committable offset of one Kafka partition: the lowest offset whose events are not all acknowledged yet, or
 * one past the highest fetched offset when everything is. Workers acknowledge out of order; the watermark only
 * advances over a contiguous acknowledged prefix, so a committed offset never skips an unwritten event.
 */
public final class PartitionWatermark {
    private final TreeMap<Long, Integer> pending = new TreeMap<>();
    private long nextOffset = -1;
    private long committed = -1;

    /** Records a fetched offset that produced {@code events} events (0: nothing to wait for). */
    public synchronized void fetched(long offset, int events) {
        if (events > 0) {
            pending.merge(offset, events, Integer::sum);
        }
        nextOffset = Math.max(nextOffset, offset + 1);
    }

    /** One event of {@code offset} is fully handled by every output. */
    public synchronized void acknowledge(long offset) {
        Integer left = pending.get(offset);
        if (left == null) {
            return;
        }
        if (left <= 1) {
            pending.remove(offset);
        } else {
            pending.put(offset, left - 1);
        }
    }

    /** The offset to commit (the next one to read after a restart), or -1 when nothing was fetched. */
    public synchronized long committable() {
        Map.Entry<Long, Integer> first = pending.firstEntry();
        return first != null ? first.getKey() : nextOffset;
    }

    /** Events fetched but not yet acknowledged. */
    public synchronized int inFlight() {
        return pending.values().stream().mapToInt(Integer::intValue).sum();
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
