package io.logpipe.queue.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition's transactions from its own log: the last stable offset stops at the first batch of the earliest open
 * transaction, read_committed reads end there, aborted transactions are listed for the range a fetch covers, a
 * marker fences older epochs of its producer, and all of it is rebuilt from the segments after a clean or an unclean
 * reopen (several segments, so the transaction spans a roll).
 */
class PartitionTransactionsTest {
    private static final TopicPartition TP = new TopicPartition("txn", 0);
    private static final LogConfig SMALL = LogConfig.defaults().withSegmentBytes(1024).withIndexIntervalBytes(256);

    @TempDir
    Path dir;

    private PartitionLog open(boolean clean) throws IOException {
        return PartitionLog.open(dir.resolve("txn-0"), TP, Uuid.ZERO_UUID, SMALL, clean);
    }

    private static void send(PartitionLog log, long producerId, short epoch, int sequence, boolean transactional,
                             String... values) throws IOException {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(System.currentTimeMillis(), values[i].getBytes(StandardCharsets.UTF_8));
        }
        MemoryRecords batch = transactional
                ? MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, epoch, sequence, records)
                : MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, sequence, records);
        log.append(BatchValidator.validate(batch, 1 << 20));
    }

    /** The data values a read_committed fetch from 0 returns (control batches skipped, aborted ones included). */
    private static List<String> committedRead(PartitionLog log) {
        List<String> values = new ArrayList<>();
        long next = log.logStartOffset();
        while (true) {
            PartitionLog.ReadResult read = log.read(next, 1 << 20, true, true);
            if (read.records() == null) {
                return values;
            }
            for (RecordBatch batch : read.records().batches()) {
                if (!batch.isControlBatch()) {
                    for (Record r : batch) {
                        values.add(StandardCharsets.UTF_8.decode(r.value()).toString());
                    }
                }
                next = batch.lastOffset() + 1;
            }
        }
    }

    private static String pad(String prefix, int i) {
        return prefix + "-" + i + "-" + "x".repeat(100);
    }

    @Test
    void theLastStableOffsetAndTheAbortedListFollowTheMarkersAndSurviveReopening() throws IOException {
        long committedOffsets;
        try (PartitionLog log = open(true)) {
            // producer 7 commits, producer 8 aborts, producer 9 stays open; the open one spans segment rolls
            send(log, 7, (short) 0, 0, true, pad("seven", 0));
            send(log, 8, (short) 0, 0, true, pad("eight", 0));
            send(log, 9, (short) 0, 0, true, pad("nine", 0));
            assertEquals(0, log.lastStableOffset(), "the earliest open transaction starts at 0");
            log.appendEndTxnMarker(7, (short) 0, ControlRecordType.COMMIT, 0, System.currentTimeMillis());
            assertEquals(1, log.lastStableOffset());
            log.appendEndTxnMarker(8, (short) 0, ControlRecordType.ABORT, 0, System.currentTimeMillis());
            assertEquals(2, log.lastStableOffset(), "producer 9's transaction holds the LSO at its first batch");
            for (int i = 1; i < 12; i++) {
                send(log, 9, (short) 0, i, true, pad("nine", i));
            }
            send(log, 100, (short) 0, 0, false, pad("plain", 0));
            assertEquals(2, log.lastStableOffset());
            committedOffsets = log.logEndOffset();
            assertEquals(true, log.segmentCount() > 2, "the open transaction spans segments");
            assertEquals(List.of(pad("seven", 0), pad("eight", 0)), committedRead(log));
            assertEquals(List.of(new FetchResponseData.AbortedTransaction().setProducerId(8).setFirstOffset(1)),
                    log.abortedTransactions(0, log.lastStableOffset()));
            assertEquals(List.of(), log.abortedTransactions(5, log.logEndOffset()),
                    "its ABORT marker (offset 4) is before the fetch");
        }
        for (boolean clean : new boolean[] {true, false}) {
            try (PartitionLog log = open(clean)) {
                assertEquals(2, log.lastStableOffset(), "rebuilt from the log (clean start: " + clean + ")");
                assertEquals(committedOffsets, log.logEndOffset());
                assertEquals(List.of(new FetchResponseData.AbortedTransaction().setProducerId(8).setFirstOffset(1)),
                        log.abortedTransactions(0, log.lastStableOffset()));
                assertEquals(List.of(pad("seven", 0), pad("eight", 0)), committedRead(log));
            }
        }
        try (PartitionLog log = open(true)) {
            // the coordinator aborts producer 9's transaction with a bumped epoch: the LSO is the log end again,
            // and the zombie's epoch 0 is refused from now on
            long marker = log.appendEndTxnMarker(9, (short) 1, ControlRecordType.ABORT, 0, System.currentTimeMillis());
            assertEquals(log.logEndOffset(), log.lastStableOffset());
            assertEquals(List.of(new FetchResponseData.AbortedTransaction().setProducerId(8).setFirstOffset(1),
                            new FetchResponseData.AbortedTransaction().setProducerId(9).setFirstOffset(2)),
                    log.abortedTransactions(0, log.lastStableOffset()));
            assertThrows(InvalidProducerEpochException.class, () -> send(log, 9, (short) 0, 12, true, "zombie"));
            send(log, 9, (short) 1, 0, true, "successor");
            assertEquals(marker + 1, log.lastStableOffset(), "the successor's transaction starts after the marker");
        }
        try (PartitionLog log = open(false)) {
            assertThrows(InvalidProducerEpochException.class, () -> send(log, 9, (short) 0, 12, true, "zombie"),
                    "the fence is rebuilt from the marker too");
        }
    }
}
