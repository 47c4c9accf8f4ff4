package io.logpipe.queue.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.logpipe.queue.config.BrokerConfig;
import io.logpipe.common.config.ConfigException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention removes a segment from the log at once but deletes its files only {@code file.delete.delay.ms} later,
 * as Kafka does: renamed {@code *.deleted} and still open, so a fetch handed a slice of it before sends it whole.
 */
class SegmentDeletionTest {
    private static final TopicPartition TP = new TopicPartition("logs", 0);
    private static final long NOW = 1_000_000;
    private static final LogConfig CONFIG = LogConfig.defaults().withSegmentBytes(4096).withIndexIntervalBytes(256)
            .withRetention(-1, 8192).withFileDeleteDelayMs(60_000);

    @TempDir
    Path dir;

    private static PartitionLog open(Path partitionDir, boolean clean) throws IOException {
        return PartitionLog.open(partitionDir, TP, Uuid.randomUuid(), CONFIG, clean);
    }

    private static void appendNumbered(PartitionLog log, int from, int to) throws IOException {
        for (int i = from; i < to; i += 2) {
            log.append(BatchValidator.validate(Batches.of(1000 + i, "value-" + i, "value-" + (i + 1)), 1 << 20));
        }
    }

    private static List<String> values(FileRecords slice) {
        List<String> values = new ArrayList<>();
        for (RecordBatch batch : slice.batches()) {
            for (Record record : batch) {
                values.add(Batches.value(record));
            }
        }
        return values;
    }

    private static List<String> files(Path partitionDir) throws IOException {
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aRemovedSegmentIsRenamedAndStaysReadableForTheDelayThenItsFilesAreDeleted() throws IOException {
        Path partitionDir = dir.resolve("logs-0");
        try (PartitionLog log = open(partitionDir, true)) {
            appendNumbered(log, 0, 600);
            FileRecords inFlight = log.read(0, 1000, true).records();
            List<String> sent = values(inFlight);
            assertEquals("value-0", sent.get(0));

            int removed = log.deleteExpiredSegments(NOW);
            assertTrue(removed > 0);
            assertTrue(log.logStartOffset() > 0, "the log starts after the removed segments at once");
            assertThrows(org.apache.kafka.common.errors.OffsetOutOfRangeException.class, () -> log.read(0, 100, true));
            List<String> names = files(partitionDir);
            assertTrue(names.contains("00000000000000000000.log.deleted"), names.toString());
            assertTrue(names.contains("00000000000000000000.index.deleted"), names.toString());
            assertTrue(names.contains("00000000000000000000.timeindex.deleted"), names.toString());
            assertFalse(names.contains("00000000000000000000.log"), names.toString());
            assertEquals(sent, values(inFlight), "the fetch's slice is read whole after the rename");

            assertEquals(0, log.deleteRenamedSegments(NOW + 59_999));
            assertEquals(removed, log.renamedSegmentCount());
            assertEquals(removed, log.deleteRenamedSegments(NOW + 60_000));
            assertEquals(0, log.renamedSegmentCount());
            List<String> left = files(partitionDir);
            assertTrue(left.stream().noneMatch(n -> n.endsWith(".deleted")), left.toString());
            long start = log.logStartOffset();
            assertEquals("value-" + start, values(log.read(start, 1000, true).records()).get(0));
        }
    }

    @Test
    void whatACrashLeavesRenamedIsDeletedAtTheNextOpen() throws IOException {
        Path partitionDir = dir.resolve("logs-0");
        Path afterCrash = dir.resolve("crashed").resolve("logs-0");
        long start;
        try (PartitionLog log = open(partitionDir, true)) {
            appendNumbered(log, 0, 600);
            log.deleteExpiredSegments(NOW);
            start = log.logStartOffset();
            // the directory as a SIGKILL at this moment leaves it: renamed files, no clean close
            Files.createDirectories(afterCrash);
            for (String name : files(partitionDir)) {
                Files.copy(partitionDir.resolve(name), afterCrash.resolve(name));
            }
        }
        assertTrue(files(afterCrash).stream().anyMatch(n -> n.endsWith(".deleted")));
        try (PartitionLog reopened = open(afterCrash, false)) {
            assertTrue(files(afterCrash).stream().noneMatch(n -> n.endsWith(".deleted")), files(afterCrash).toString());
            assertEquals(start, reopened.logStartOffset());
            assertEquals(600, reopened.logEndOffset());
            assertEquals("value-" + start, values(reopened.read(start, 1000, true).records()).get(0));
        }
    }

    @Test
    void aCloseDeletesWhatWaitsForItsDelay() throws IOException {
        Path partitionDir = dir.resolve("logs-0");
        PartitionLog log = open(partitionDir, true);
        appendNumbered(log, 0, 600);
        assertTrue(log.deleteExpiredSegments(NOW) > 0);
        log.close();
        assertTrue(files(partitionDir).stream().noneMatch(n -> n.endsWith(".deleted")), files(partitionDir).toString());
    }

    @Test
    void theBrokersDelayIsKafkasLogSegmentDeleteDelayMs() throws Exception {
        assertEquals(60_000, LogConfig.from(BrokerConfig.of(Map.of())).fileDeleteDelayMs());
        assertEquals(5, LogConfig.from(BrokerConfig.of(Map.of("log.segment.delete.delay.ms", "5")))
                .fileDeleteDelayMs());
        assertThrows(ConfigException.class, () -> BrokerConfig.of(Map.of("log.segment.delete.delay.ms", "-1")));
    }

    @Test
    void aTopicCanSetItsOwnDelay() {
        assertEquals(LogConfig.DEFAULT_FILE_DELETE_DELAY_MS, LogConfig.defaults().fileDeleteDelayMs());
        assertEquals(5, TopicConfig.of(Map.of(TopicConfig.FILE_DELETE_DELAY_MS, "5")).applyTo(LogConfig.defaults())
                .fileDeleteDelayMs());
        assertThrows(InvalidConfigurationException.class,
                () -> TopicConfig.of(Map.of(TopicConfig.FILE_DELETE_DELAY_MS, "-1")));
    }
}
