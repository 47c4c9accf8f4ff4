package io.logpipe.indexer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PartitionWatermarkTest {

    @Test
    void advancesOnlyOverAContiguousAcknowledgedPrefix() {
        PartitionWatermark watermark = new PartitionWatermark();
        assertEquals(-1, watermark.committable());
        watermark.fetched(10, 1);
        watermark.fetched(11, 2);
        watermark.fetched(12, 0);
        watermark.fetched(13, 1);
        assertEquals(10, watermark.committable());
        watermark.acknowledge(13);
        watermark.acknowledge(11);
        assertEquals(10, watermark.committable(), "10 is still being written: committing past it could lose it");
        watermark.acknowledge(10);
        assertEquals(11, watermark.committable(), "offset 11 produced two events, one is still pending");
        watermark.acknowledge(11);
        assertEquals(14, watermark.committable(), "12 had no events, 13 is done: next to read is 14");
        assertEquals(0, watermark.inFlight());
    }

    @Test
    void toCommitReportsOnlyMovement() {
        PartitionWatermark watermark = new PartitionWatermark();
        watermark.fetched(0, 1);
        watermark.acknowledge(0);
        assertEquals(1, watermark.toCommit());
        watermark.committed(1);
        assertEquals(-1, watermark.toCommit());
        watermark.fetched(1, 1);
        assertEquals(-1, watermark.toCommit());
        watermark.acknowledge(1);
        assertEquals(2, watermark.toCommit());
    }
}
