package io.logpipe.queue.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fsync of a segment that rolls is not the appending thread's (an event loop): it runs on the flusher, and the
 * recovery point passes the segment only once it has. At most one rolled segment waits for its fsync.
 */
class RollFsyncTest {
    private static final TopicPartition TP = new TopicPartition("logs", 0);
    private static final LogConfig SMALL = LogConfig.defaults().withSegmentBytes(1024);

    @TempDir
    Path dir;

    /** A flusher that runs what it was given only when the test says so. */
    private static final class HeldFlusher implements Executor {
        final List<Runnable> held = new ArrayList<>();

        @Override
        public synchronized void execute(Runnable task) {
            held.add(task);
        }

        synchronized void runAll() {
            held.forEach(Runnable::run);
            held.clear();
        }
    }

    private PartitionLog open(Executor flusher) throws IOException {
        Path partitionDir = dir.resolve("logs-0");
        return PartitionLog.open(partitionDir, new LogDir(dir), TP, Uuid.randomUuid(), SMALL, true, flusher);
    }

    private static void append(PartitionLog log, String value) throws IOException {
        log.append(BatchValidator.validate(Batches.of(System.currentTimeMillis(), value), 1 << 20));
    }

    private static void appendUntilSegments(PartitionLog log, int count) throws IOException {
        while (log.segmentCount() < count) {
            append(log, "x".repeat(100));
        }
    }

    @Test
    void aRollLeavesItsFsyncToTheFlusherAndTheRecoveryPointWaitsForIt() throws IOException {
        HeldFlusher flusher = new HeldFlusher();
        try (PartitionLog log = open(flusher)) {
            appendUntilSegments(log, 2);
            long rolledAt = log.segments().get(1).baseOffset();
            assertEquals(0, log.recoveryPoint(), "the appending thread did not fsync the rolled segment");
            assertEquals(1, flusher.held.size());
            flusher.runAll();
            assertEquals(rolledAt, log.recoveryPoint(), "the flusher's fsync moves the recovery point past it");
        }
    }

    @Test
    void theAppendingThreadDoesNotFsyncTheSegmentItRolls() throws IOException {
        HeldFlusher flusher = new HeldFlusher();
        try (PartitionLog log = open(flusher)) {
            appendUntilSegments(log, 2);
            LogSegment rolled = log.segments().get(0);
            assertEquals(0, rolled.flushCount(), "the roll left the fsync to the flusher");
            flusher.runAll();
            assertEquals(1, rolled.flushCount(), "the flusher fsynced it once");
        }
    }

    @Test
    void aSecondRollWhileTheFirstStillWaitsFsyncsTheFirstItself() throws IOException {
        HeldFlusher flusher = new HeldFlusher();
        try (PartitionLog log = open(flusher)) {
            appendUntilSegments(log, 2);
            long firstRoll = log.segments().get(1).baseOffset();
            appendUntilSegments(log, 3);
            long secondRoll = log.segments().get(2).baseOffset();
            assertEquals(firstRoll, log.recoveryPoint(), "only one rolled segment may wait for its fsync");
            flusher.runAll();
            assertEquals(secondRoll, log.recoveryPoint());
        }
    }

    @Test
    void onTheLogManagersMaintenanceThreadTheRolledSegmentIsFsyncedSoon() throws Exception {
        try (LogManager logs = LogManager.open(List.of(dir.resolve("data")), SMALL, 1)) {
            logs.createTopic("logs", 1, TopicConfig.NONE);
            PartitionLog log = logs.topic("logs").partition(0);
            appendUntilSegments(log, 2);
            long rolledAt = log.segments().get(1).baseOffset();
            Wait.until("the rolled segment fsynced", Duration.ofSeconds(10), () -> log.recoveryPoint() >= rolledAt);
            assertEquals(rolledAt, log.recoveryPoint(), "the active segment is not fsynced without a flush policy");
        }
    }

    @Test
    void anUncleanStartCutsATornTailOffTheRolledSegmentWhoseFsyncMayNotHaveRun() throws IOException {
        HeldFlusher flusher = new HeldFlusher();
        Path afterCrash = dir.resolve("crashed").resolve("logs-0");
        long end;
        long rolledAt;
        try (PartitionLog log = open(flusher)) {
            appendUntilSegments(log, 2);
            append(log, "in the active segment");
            end = log.logEndOffset();
            rolledAt = log.segments().get(1).baseOffset();
            // a crash before the flusher ran: the rolled segment's tail reached the disk torn
            Files.createDirectories(afterCrash);
            try (Stream<Path> files = Files.list(log.dir())) {
                for (Path file : files.toList()) {
                    Files.copy(file, afterCrash.resolve(file.getFileName()));
                }
            }
            byte[] torn = {0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 99, 1};
            Files.write(afterCrash.resolve(LogSegment.fileName(0, ".log")), torn, StandardOpenOption.APPEND);
        }
        try (PartitionLog reopened = PartitionLog.open(afterCrash, new LogDir(afterCrash.getParent()), TP,
                Uuid.randomUuid(), SMALL, false, Runnable::run)) {
            assertEquals(end, reopened.logEndOffset());
            assertEquals(rolledAt, reopened.recoveryPoint(), "the re-validated rolled segment is fsynced again");
            long next = 0;
            while (next < rolledAt) {
                for (RecordBatch batch : reopened.read(next, 1000, true).records().batches()) {
                    next = batch.lastOffset() + 1;
                }
            }
            assertEquals(rolledAt, next, "the torn bytes were cut off the rolled segment, its batches read to its end");
        }
    }
}
