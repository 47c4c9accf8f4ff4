package io.logpipe.indexer.plugins.inputs;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Consecutive records of one partition returned by one poll, and the count of their events not yet acknowledged.
 * The fetching thread holds the range open while it hands the events on (so that early acknowledgements cannot
 * complete it before its last record is counted); the range completes into its {@link PartitionWatermark} when the
 * hold is released and every event is acknowledged, whichever comes last.
 */
public final class FetchedRange {
    private final PartitionWatermark watermark;
    private final long firstOffset;
    /** One past the last record added; written by the fetching thread before it releases its hold. */
    private volatile long endOffset;
    /** Unacknowledged events, plus one while the fetching thread holds the range open. */
    private final AtomicInteger outstanding = new AtomicInteger(1);

    FetchedRange(PartitionWatermark watermark, long firstOffset) {
        this.watermark = watermark;
        this.firstOffset = firstOffset;
        this.endOffset = firstOffset;
    }

    /** The record at {@code offset} produced {@code events} events; call before handing any of them on. */
    public void add(long offset, int events) {
        endOffset = offset + 1;
        if (events > 0) {
            outstanding.addAndGet(events);
        }
    }

    /** The fetching thread is done adding records. */
    public void close() {
        release();
    }

    /** One event of the range is handled by every output (or was dropped by a filter). */
    public void acknowledge() {
        release();
    }

    private void release() {
        if (outstanding.decrementAndGet() == 0) {
            watermark.completed(firstOffset, endOffset);
        }
    }
}
