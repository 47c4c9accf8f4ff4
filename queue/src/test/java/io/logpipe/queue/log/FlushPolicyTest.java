package io.logpipe.queue.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.logpipe.queue.TestBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code log.flush.interval.messages} and {@code log.flush.interval.ms} as in Kafka, seen through the recovery point
 * (the offset below which the log has been fsynced): unset, only a roll or a clean close fsyncs and the page cache
 * holds the rest; {@code messages=1} fsyncs every append before the producer gets its answer; {@code ms} fsyncs
 * from the broker's scheduler once that much time has passed.
 */
class FlushPolicyTest {
    private static final TopicPartition TP = new TopicPartition("logs", 0);

    @TempDir
    Path dir;

    private PartitionLog open(LogConfig config) throws IOException {
        return PartitionLog.open(dir.resolve("logs-0"), TP, Uuid.randomUuid(), config, true);
    }

    private static void append(PartitionLog log, String... values) throws IOException {
        log.append(BatchValidator.validate(Batches.of(System.currentTimeMillis(), values), 1 << 20));
    }

    @Test
    void withoutAFlushPolicyTheRecoveryPointStaysBehindUntilARollOrAClose() throws IOException {
        PartitionLog log = open(LogConfig.defaults().withSegmentBytes(1024));
        append(log, "a", "b");
        append(log, "c");
        assertEquals(0, log.recoveryPoint());
        assertEquals(3, log.unflushedMessages());
        log.maybeFlushOnTime(Long.MAX_VALUE);
        assertEquals(0, log.recoveryPoint(), "log.flush.interval.ms unset never flushes on time");

        while (log.segmentCount() == 1) {
            append(log, "x".repeat(100));
        }
        long rolledAt = log.segments().get(1).baseOffset();
        assertEquals(rolledAt, log.recoveryPoint(), "a roll fsyncs the segment it closes");
        append(log, "after the roll");
        assertTrue(log.recoveryPoint() < log.logEndOffset());

        log.close();
        assertEquals(log.logEndOffset(), log.recoveryPoint(), "a clean close fsyncs everything");
    }

    @Test
    void flushIntervalMessagesOfOneFsyncsEveryAppend() throws IOException {
        try (PartitionLog log = open(LogConfig.defaults().withFlushIntervalMessages(1))) {
            for (int i = 0; i < 20; i++) {
                append(log, "value-" + i);
                assertEquals(log.logEndOffset(), log.recoveryPoint());
                assertEquals(0, log.unflushedMessages());
            }
            assertEquals(20, log.logEndOffset());
        }
    }

    @Test
    void theFsyncAnAppendMakesDueRunsOnTheFlusherAndTheAppendsResultWaitsForIt() throws IOException {
        List<Runnable> held = new ArrayList<>();
        try (PartitionLog log = PartitionLog.open(dir.resolve("logs-0"), new LogDir(dir), TP, Uuid.randomUuid(),
                LogConfig.defaults().withFlushIntervalMessages(1), true, held::add)) {
            PartitionLog.AppendResult first = log.append(BatchValidator.validate(
                    Batches.of(System.currentTimeMillis(), "a"), 1 << 20));
            PartitionLog.AppendResult second = log.append(BatchValidator.validate(
                    Batches.of(System.currentTimeMillis(), "b"), 1 << 20));
            assertEquals(0, log.recoveryPoint(), "the appending thread did not fsync");
            assertEquals(0, log.segments().get(0).flushCount());
            assertFalse(first.flushed().isDone(), "the append's answer waits for its fsync");
            held.forEach(Runnable::run);
            assertTrue(first.flushed().isDone() && !first.flushed().isCompletedExceptionally());
            assertTrue(second.flushed().isDone() && !second.flushed().isCompletedExceptionally());
            assertEquals(2, log.recoveryPoint());
            assertEquals(1, log.segments().get(0).flushCount(), "the second fsync found the first had covered it");
        }
    }

    @Test
    void flushIntervalMessagesCountsRecordsNotBatches() throws IOException {
        try (PartitionLog log = open(LogConfig.defaults().withFlushIntervalMessages(5))) {
            append(log, "1", "2");
            append(log, "3", "4");
            assertEquals(0, log.recoveryPoint());
            append(log, "5", "6");
            assertEquals(6, log.recoveryPoint(), "the append that reaches 5 unflushed records fsyncs all of them");
            append(log, "7");
            assertEquals(6, log.recoveryPoint());
        }
    }

    @Test
    void flushIntervalMsFlushesOnlyOnceThatMuchTimeHasPassed() throws IOException {
        try (PartitionLog log = open(LogConfig.defaults().withFlushIntervalMs(60_000))) {
            long now = System.currentTimeMillis();
            append(log, "a", "b");
            log.maybeFlushOnTime(now);
            assertEquals(0, log.recoveryPoint());
            log.maybeFlushOnTime(now + 60_001);
            assertEquals(2, log.recoveryPoint());
        }
    }

    @Test
    void aRestartAfterAnUncleanStopPutsTheRecoveryPointAtTheActiveSegment() throws IOException {
        PartitionLog log = open(LogConfig.defaults().withSegmentBytes(1024));
        while (log.segmentCount() == 1) {
            append(log, "x".repeat(100));
        }
        append(log, "tail");
        long activeBase = log.segments().get(1).baseOffset();
        long end = log.logEndOffset();
        // no close: as after kill -9
        try (PartitionLog reopened = PartitionLog.open(dir.resolve("logs-0"), TP, Uuid.randomUuid(),
                LogConfig.defaults().withSegmentBytes(1024), false)) {
            assertEquals(end, reopened.logEndOffset());
            assertEquals(activeBase, reopened.recoveryPoint());
        }
        try (PartitionLog reopened = open(LogConfig.defaults().withSegmentBytes(1024))) {
            assertEquals(end, reopened.recoveryPoint(), "after a clean shutdown everything is on disk");
        }
        log.close();
    }

    // Through a real KafkaProducer against the broker

    private static PartitionLog partitionOf(TestBroker broker, String topic) throws IOException {
        broker.server().logs().createTopic(topic, 1);
        return broker.server().logs().log(new TopicPartition(topic, 0));
    }

    private static KafkaProducer<String, String> unbatchedProducer(TestBroker broker) {
        return broker.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 0));
    }

    @Test
    void aBrokerWithFlushIntervalMessagesOneHasFsyncedEachRecordBeforeItAcknowledgesIt() throws Exception {
        try (TestBroker broker = TestBroker.start(dir, Map.of("log.flush.interval.messages", "1"));
             KafkaProducer<String, String> producer = unbatchedProducer(broker)) {
            PartitionLog log = partitionOf(broker, "synced");
            for (int i = 0; i < 30; i++) {
                RecordMetadata acked = producer.send(new ProducerRecord<>("synced", "k", "value-" + i)).get();
                assertEquals(acked.offset() + 1, log.logEndOffset());
                assertEquals(log.logEndOffset(), log.recoveryPoint(), "record " + i + " acknowledged before fsync");
            }
        }
    }

    @Test
    void aBrokerWithoutAFlushPolicyLeavesAcknowledgedRecordsToThePageCacheUntilItStops() throws Exception {
        PartitionLog log;
        try (TestBroker broker = TestBroker.start(dir, Map.of());
             KafkaProducer<String, String> producer = unbatchedProducer(broker)) {
            log = partitionOf(broker, "cached");
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>("cached", "k", "value-" + i)).get();
            }
            // Nothing to wait for: a count policy fsyncs before the acknowledgement, and without a time policy the
            // broker schedules no flush task at all, so the acknowledged records are where they will stay.
            assertEquals(30, log.logEndOffset());
            assertEquals(0, log.recoveryPoint());
        }
        assertEquals(30, log.recoveryPoint(), "the clean shutdown fsyncs");
    }

    @Test
    void aBrokerWithFlushIntervalMsCatchesUpOnItsOwn() throws Exception {
        try (TestBroker broker = TestBroker.start(dir, Map.of("log.flush.interval.ms", "200"));
             KafkaProducer<String, String> producer = unbatchedProducer(broker)) {
            PartitionLog log = partitionOf(broker, "timed");
            for (int round = 1; round <= 2; round++) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>("timed", "k", "value-" + i)).get();
                }
                Wait.until("the flush task to catch up", Duration.ofSeconds(10),
                        () -> log.recoveryPoint() >= log.logEndOffset());
                assertEquals(10L * round, log.recoveryPoint());
            }
        }
    }
}
