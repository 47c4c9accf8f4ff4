package io.logpipe.indexer.plugins.inputs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PartitionWatermarkTest {

    /** One poll's records from {@code firstOffset} on, record i having produced {@code eventsPerRecord[i]} events. */
    private static FetchedRange fetched(PartitionWatermark watermark, long firstOffset, int... eventsPerRecord) {
        FetchedRange range = watermark.open(firstOffset);
        for (int i = 0; i < eventsPerRecord.length; i++) {
            range.add(firstOffset + i, eventsPerRecord[i]);
        }
        range.close();
        return range;
    }

    private static void acknowledge(FetchedRange range, int events) {
        for (int i = 0; i < events; i++) {
            range.acknowledge();
        }
    }

    @Test
    void advancesOnlyOverCompletedRangesInOffsetOrder() {
        PartitionWatermark watermark = new PartitionWatermark();
        assertEquals(-1, watermark.committable());
        FetchedRange first = fetched(watermark, 10, 1, 2);
        FetchedRange second = fetched(watermark, 12, 0, 1);
        assertEquals(10, watermark.committable());
        acknowledge(second, 1);
        assertEquals(10, watermark.committable(), "10 and 11 are still being written: committing past them could lose them");
        acknowledge(first, 2);
        assertEquals(10, watermark.committable(), "offset 11 produced two events, one is still pending");
        acknowledge(first, 1);
        assertEquals(14, watermark.committable(), "12 had no events, 13 is done: next to read is 14");
    }

    @Test
    void aRangeStillBeingFetchedIsNotCompleteEvenIfEveryEventSoFarIsAcknowledged() {
        PartitionWatermark watermark = new PartitionWatermark();
        FetchedRange range = watermark.open(0);
        range.add(0, 1);
        range.acknowledge(); // a fast worker, before the fetching thread has added offset 1
        assertEquals(0, watermark.committable());
        range.add(1, 1);
        range.close();
        assertEquals(0, watermark.committable());
        range.acknowledge();
        assertEquals(2, watermark.committable());
    }

    @Test
    void recordsWithoutEventsCompleteTheirRangeAtOnce() {
        PartitionWatermark watermark = new PartitionWatermark();
        fetched(watermark, 5, 0, 0);
        assertEquals(7, watermark.committable());
    }

    @Test
    void aRangeFetchedAgainAfterARebalanceHoldsTheWatermarkBackUntilItCompletes() {
        PartitionWatermark watermark = new PartitionWatermark();
        FetchedRange before = fetched(watermark, 0, 1, 1);
        FetchedRange again = fetched(watermark, 0, 1, 1); // the same records, fetched again from the last commit
        acknowledge(before, 2);
        assertEquals(0, watermark.committable(), "the second reading of 0 and 1 is not written yet");
        acknowledge(again, 2);
        assertEquals(2, watermark.committable());
    }

    @Test
    void toCommitReportsOnlyMovement() {
        PartitionWatermark watermark = new PartitionWatermark();
        acknowledge(fetched(watermark, 0, 1), 1);
        assertEquals(1, watermark.toCommit());
        watermark.committed(1);
        assertEquals(-1, watermark.toCommit());
        FetchedRange next = fetched(watermark, 1, 1);
        assertEquals(-1, watermark.toCommit());
        acknowledge(next, 1);
        assertEquals(2, watermark.toCommit());
    }
}
