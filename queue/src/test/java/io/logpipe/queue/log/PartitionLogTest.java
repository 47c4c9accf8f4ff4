package io.logpipe.queue.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTest {
    private static final TopicPartition TP = new TopicPartition("logs", 0);
    private static final LogConfig SMALL = LogConfig.defaults().withSegmentBytes(4096).withIndexIntervalBytes(256);

    @TempDir
    Path dir;

    private PartitionLog open(LogConfig config, boolean clean) throws IOException {
        return PartitionLog.open(dir.resolve("logs-0"), TP, Uuid.randomUuid(), config, clean);
    }

    private static PartitionLog.AppendResult append(PartitionLog log, MemoryRecords records) throws IOException {
        return log.append(BatchValidator.validate(records, 1 << 20));
    }

    /** Every value from {@code offset} to the end, read back through fetch-style slices. */
    private static List<String> readAll(PartitionLog log, long offset) {
        List<String> values = new ArrayList<>();
        long next = offset;
        while (next < log.logEndOffset()) {
            PartitionLog.ReadResult result = log.read(next, 1000, true);
            assertTrue(result.sizeInBytes() > 0, "no data at " + next);
            for (RecordBatch batch : result.records().batches()) {
                for (Record record : batch) {
                    if (record.offset() >= next) {
                        values.add(Batches.value(record));
                    }
                }
                next = batch.lastOffset() + 1;
            }
        }
        return values;
    }

    private static List<String> numbered(int from, int to) {
        List<String> values = new ArrayList<>();
        for (int i = from; i < to; i++) {
            values.add("value-" + i);
        }
        return values;
    }

    private void appendNumbered(PartitionLog log, int from, int to) throws IOException {
        for (int i = from; i < to; i += 2) {
            append(log, Batches.of(1000 + i, "value-" + i, "value-" + (i + 1)));
        }
    }

    @Test
    void assignsOffsetsRollsSegmentsByNameAndReadsBackFromAnyOffset() throws IOException {
        try (PartitionLog log = open(SMALL, true)) {
            PartitionLog.AppendResult first = append(log, Batches.of(1, "a", "b", "c"));
            assertEquals(0, first.firstOffset());
            assertEquals(2, first.lastOffset());
            appendNumbered(log, 3, 603);
            assertEquals(603, log.logEndOffset());
            assertTrue(log.segmentCount() > 3, "segments: " + log.segmentCount());
            try (Stream<Path> files = Files.list(log.dir())) {
                List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
                assertTrue(names.contains("00000000000000000000.log"), names.toString());
                assertTrue(names.contains("00000000000000000000.index"), names.toString());
                assertTrue(names.contains("00000000000000000000.timeindex"), names.toString());
                for (LogSegment segment : log.segments()) {
                    assertTrue(names.contains(LogSegment.fileName(segment.baseOffset(), ".log")));
                    assertTrue(segment.sizeInBytes() <= 4096);
                }
            }
            List<String> expected = new ArrayList<>(List.of("a", "b", "c"));
            expected.addAll(numbered(3, 603));
            assertEquals(expected, readAll(log, 0));
            for (long offset : new long[] {1, 100, 257, 401, 602}) {
                assertEquals(expected.subList((int) offset, expected.size()), readAll(log, offset), "from " + offset);
            }
            assertNull(log.read(603, 1000, true).records());
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(604, 1000, true));
        }
    }

    @Test
    void indexesArePopulatedSparselyAndPointAtTheRightBatch() throws IOException {
        try (PartitionLog log = open(SMALL, true)) {
            appendNumbered(log, 0, 400);
            LogSegment segment = log.segments().get(0);
            assertTrue(segment.offsetIndex().entries() > 3, "index entries " + segment.offsetIndex().entries());
            assertTrue(segment.timeIndex().entries() > 3, "time index entries " + segment.timeIndex().entries());
            for (int slot = 0; slot < segment.offsetIndex().entries(); slot++) {
                long offset = segment.offsetIndex().offsetAt(slot);
                int position = segment.offsetIndex().positionAt(slot);
                RecordBatch batch = segment.records().slice(position, segment.sizeInBytes() - position).batches()
                        .iterator().next();
                assertEquals(offset, batch.lastOffset(), "index slot " + slot);
            }
        }
    }

    @Test
    void reopensAfterACleanCloseWithTheSameDataAndIndexes() throws IOException {
        int entries;
        try (PartitionLog log = open(SMALL, true)) {
            appendNumbered(log, 0, 300);
            entries = log.segments().get(0).offsetIndex().entries();
        }
        try (PartitionLog log = open(SMALL, true)) {
            assertEquals(300, log.logEndOffset());
            assertEquals(entries, log.segments().get(0).offsetIndex().entries());
            assertEquals(numbered(0, 300), readAll(log, 0));
            appendNumbered(log, 300, 310);
            assertEquals(numbered(0, 310), readAll(log, 0));
        }
    }

    @Test
    void recoveryCutsATornBatchOffTheActiveSegmentAndRebuildsItsIndexes() throws IOException {
        Path activeLog;
        long lastGood;
        try (PartitionLog log = open(SMALL, true)) {
            appendNumbered(log, 0, 100);
            lastGood = log.logEndOffset();
            append(log, Batches.of(5, "torn-1", "torn-2"));
            LogSegment active = log.segments().get(log.segmentCount() - 1);
            activeLog = active.records().file().toPath();
        }
        long size = Files.size(activeLog);
        try (FileChannel channel = FileChannel.open(activeLog, StandardOpenOption.WRITE)) {
            channel.truncate(size - 7);
        }
        Files.delete(activeLog.resolveSibling(activeLog.getFileName().toString().replace(".log", ".index")));
        try (PartitionLog log = open(SMALL, false)) {
            assertEquals(lastGood, log.logEndOffset());
            assertEquals(numbered(0, 100), readAll(log, 0));
            assertEquals(lastGood, append(log, Batches.of(6, "after")).firstOffset());
            List<String> expected = numbered(0, 100);
            expected.add("after");
            assertEquals(expected, readAll(log, 0));
            assertTrue(log.read(50, 100, true).sizeInBytes() > 0);
        }
    }

    @Test
    void recoveryCutsGarbageAndACorruptedBatch() throws IOException {
        Path activeLog;
        try (PartitionLog log = open(LogConfig.defaults(), true)) {
            appendNumbered(log, 0, 10);
            activeLog = log.segments().get(0).records().file().toPath();
        }
        long goodSize = Files.size(activeLog);
        try (FileChannel channel = FileChannel.open(activeLog, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            MemoryRecords extra = Batches.of(7, "will-be-corrupted");
            ByteBuffer bytes = extra.buffer().duplicate();
            bytes.put(bytes.limit() - 3, (byte) (bytes.get(bytes.limit() - 3) ^ 0x55));
            channel.write(bytes);
            channel.write(ByteBuffer.wrap("garbage after the batch".getBytes()));
        }
        try (PartitionLog log = open(LogConfig.defaults(), false)) {
            assertEquals(10, log.logEndOffset());
            assertEquals(goodSize, Files.size(activeLog));
            assertEquals(numbered(0, 10), readAll(log, 0));
        }
    }

    @Test
    void aCleanStartTrustsTheLogOverAnIndexThatDisagreesWithIt() throws IOException {
        Path activeLog;
        long goodSize;
        try (PartitionLog log = open(SMALL.withSegmentBytes(1 << 20), true)) {
            appendNumbered(log, 0, 40);
            activeLog = log.segments().get(0).records().file().toPath();
            goodSize = Files.size(activeLog);
        }
        // a failed write whose roll-back failed too, then a clean stop: half a batch after the last whole one
        MemoryRecords next = Batches.of(5000, "value-40", "value-41");
        byte[] half = new byte[next.sizeInBytes() / 2];
        next.buffer().duplicate().get(half);
        Files.write(activeLog, half, java.nio.file.StandardOpenOption.APPEND);
        try (PartitionLog log = open(SMALL.withSegmentBytes(1 << 20), true)) {
            assertEquals(40, log.logEndOffset());
            assertEquals(goodSize, Files.size(activeLog), "the torn tail is cut off");
            appendNumbered(log, 40, 44);
            assertEquals(numbered(0, 44), readAll(log, 0));
        }
        // an index whose last entry points at the end of the log (written before a log write that failed)
        Path index = dir.resolve("logs-0").resolve(LogSegment.fileName(0, ".index"));
        long sizeWithEntries = Files.size(index);
        try (var channel = java.nio.channels.FileChannel.open(index, java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(8).putInt(44).putInt((int) Files.size(activeLog)).flip(), sizeWithEntries);
        }
        try (PartitionLog log = open(SMALL.withSegmentBytes(1 << 20), true)) {
            assertEquals(44, log.logEndOffset(), "the high watermark is read from the log, not the index");
            assertEquals(numbered(0, 44), readAll(log, 0));
        }
    }

    @Test
    void validationRejectsCorruptOversizedPartialAndOldFormatBatches() {
        MemoryRecords good = Batches.of(1, "x".repeat(100));
        ByteBuffer corrupt = ByteBuffer.allocate(good.sizeInBytes());
        corrupt.put(good.buffer().duplicate()).flip();
        corrupt.put(corrupt.limit() - 1, (byte) (corrupt.get(corrupt.limit() - 1) ^ 1));
        assertThrows(CorruptRecordException.class,
                () -> BatchValidator.validate(MemoryRecords.readableRecords(corrupt), 1 << 20));

        assertThrows(RecordTooLargeException.class, () -> BatchValidator.validate(good, 50));

        ByteBuffer partial = ByteBuffer.allocate(good.sizeInBytes() + 20);
        partial.put(good.buffer().duplicate()).put(good.buffer().duplicate().limit(20)).flip();
        assertThrows(CorruptRecordException.class,
                () -> BatchValidator.validate(MemoryRecords.readableRecords(partial), 1 << 20));

        MemoryRecords v1 = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V1, 0L, Compression.NONE,
                TimestampType.CREATE_TIME, Batches.records(1, "old"));
        assertThrows(UnsupportedForMessageFormatException.class, () -> BatchValidator.validate(v1, 1 << 20));

        assertEquals(1, BatchValidator.validate(good, 1 << 20).batches());
    }

    @Test
    void anIdempotentRetryIsNotAppendedTwiceEvenAfterARestart() throws IOException {
        try (PartitionLog log = open(SMALL, true)) {
            assertEquals(0, append(log, Batches.idempotent(42, (short) 0, 0, "a", "b")).firstOffset());
            PartitionLog.AppendResult second = append(log, Batches.idempotent(42, (short) 0, 2, "c"));
            assertEquals(2, second.firstOffset());
            PartitionLog.AppendResult retry = append(log, Batches.idempotent(42, (short) 0, 2, "c"));
            assertTrue(retry.duplicate());
            assertEquals(2, retry.firstOffset());
            assertEquals(3, log.logEndOffset());
            assertThrows(OutOfOrderSequenceException.class, () -> append(log, Batches.idempotent(42, (short) 0, 5, "gap")));
            append(log, Batches.idempotent(42, (short) 1, 0, "new-epoch"));
            assertThrows(InvalidProducerEpochException.class, () -> append(log, Batches.idempotent(42, (short) 0, 3, "d")));
            assertThrows(OutOfOrderSequenceException.class, () -> append(log, Batches.idempotent(42, (short) 2, 7, "e")));
        }
        try (PartitionLog log = open(SMALL, false)) {
            PartitionLog.AppendResult retry = append(log, Batches.idempotent(42, (short) 1, 0, "new-epoch"));
            assertTrue(retry.duplicate());
            assertEquals(3, retry.firstOffset());
            assertEquals(4, log.logEndOffset());
            assertFalse(append(log, Batches.idempotent(42, (short) 1, 1, "next")).duplicate());
        }
    }

    @Test
    void findsTheFirstOffsetAtOrAfterATimestamp() throws IOException {
        try (PartitionLog log = open(SMALL, true)) {
            appendNumbered(log, 0, 400);
            // value-250 and value-251 carry timestamp 1250, value-252 and value-253 carry 1252.
            FileRecords.TimestampAndOffset found = log.offsetForTimestamp(1000 + 251);
            assertEquals(252, found.offset);
            assertEquals(1252, found.timestamp);
            assertEquals(250, log.offsetForTimestamp(1250).offset);
            assertEquals(0, log.offsetForTimestamp(0).offset);
            assertNull(log.offsetForTimestamp(5000));
            assertEquals(1398, log.maxTimestampAndOffset().timestamp);
        }
    }

    @Test
    void segmentsRollByAge() throws IOException {
        try (PartitionLog log = open(LogConfig.defaults().withRollMs(1000), true)) {
            append(log, Batches.of(10_000, "old"));
            append(log, Batches.of(10_500, "same segment"));
            assertEquals(1, log.segmentCount());
            append(log, Batches.of(11_001, "new segment"));
            assertEquals(2, log.segmentCount());
            assertEquals(2, log.segments().get(1).baseOffset());
        }
    }

    @Test
    void retentionDeletesWholeOldSegmentsButNeverTheActiveOne() throws IOException {
        try (PartitionLog log = open(SMALL.withRetention(-1, 8192), true)) {
            appendNumbered(log, 0, 600);
            int before = log.segmentCount();
            assertTrue(log.deleteExpiredSegments(System.currentTimeMillis()) > 0);
            assertTrue(log.segmentCount() < before);
            assertTrue(log.sizeInBytes() < 8192 + 4096);
            long start = log.logStartOffset();
            assertTrue(start > 0);
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(0, 100, true));
            assertEquals(numbered((int) start, 600), readAll(log, start));
        }
    }
}
