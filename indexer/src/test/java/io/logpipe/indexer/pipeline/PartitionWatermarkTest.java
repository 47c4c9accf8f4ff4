package io.logpipe.indexer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PartitionWatermarkTest {

    @Test
    void advancesOnlyOverCompletedRangesInOffsetOrder() {
        PartitionWatermark watermark = new PartitionWatermark();
        assertEquals(-1, watermark.committable());
        FetchedRange first = watermark.open(10);
        first.add(10, 1);
        first.add(11, 2);
        first.close();
        FetchedRange second = watermark.open(12);
        second.add(12, 0);
        second.add(13, 1);
        second.close();
        assertEquals(10, watermark.committable());
        second.acknowledge();
        assertEquals(10, watermark.committable(), "10 and 11 are still being written: committing past them could lose them");
        first.acknowledge();
        first.acknowledge();
        assertEquals(10, watermark.committable(), "offset 11 produced two events, one is still pending");
        first.acknowledge();
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
        FetchedRange range = watermark.open(5);
        range.add(5, 0);
        range.add(6, 0);
        range.close();
        assertEquals(7, watermark.committable());
    }

    @Test
    void aRangeFetchedAgainAfterARebalanceHoldsTheWatermarkBackUntilItCompletes() {
        PartitionWatermark watermark = new PartitionWatermark();
        FetchedRange before = watermark.open(0);
        before.add(0, 1);
        before.add(1, 1);
        before.close();
        FetchedRange again = watermark.open(0); // the same records, fetched again from the last commit
        again.add(0, 1);
        again.add(1, 1);
        again.close();
        before.acknowledge();
        before.acknowledge();
        assertEquals(0, watermark.committable(), "the second reading of 0 and 1 is not written yet");
        again.acknowledge();
        again.acknowledge();
        assertEquals(2, watermark.committable());
    }

    @Test
    void toCommitReportsOnlyMovement() {
        PartitionWatermark watermark = new PartitionWatermark();
        FetchedRange range = watermark.open(0);
        range.add(0, 1);
        range.close();
        range.acknowledge();
        assertEquals(1, watermark.toCommit());
        watermark.committed(1);
        assertEquals(-1, watermark.toCommit());
        FetchedRange next = watermark.open(1);
        next.add(1, 1);
        next.close();
        assertEquals(-1, watermark.toCommit());
        next.acknowledge();
        assertEquals(2, watermark.toCommit());
    }
}
