package io.logpipe.queue.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition's aborted transactions live in its segments' {@code .txnindex} files: written as ABORT markers are
 * appended, read by read_committed fetches, trusted after a restart (a clean start reads no batch header for them),
 * rebuilt only for the segments recovery re-reads after an unclean stop, built once for a log dir of a release
 * without them, and removed with their segment by retention. The open transactions come back from the
 * {@code .txnsnapshot} of the segment the replay starts at.
 */
class TransactionIndexRecoveryTest {
    private static final TopicPartition TP = new TopicPartition("txn", 0);
    private static final LogConfig SMALL = LogConfig.defaults().withSegmentBytes(1024).withIndexIntervalBytes(256);

    @TempDir
    Path dir;

    private final Map<Long, Integer> sequences = new HashMap<>();
    private final Map<Long, Long> firstOffsets = new HashMap<>();
    /** Every aborted transaction written (producer id, first offset, marker offset), in marker order. */
    private final List<long[]> abortedHistory = new ArrayList<>();
    private int abortMarkers;

    /** What a read_committed fetch of [from, to) must be told, from the history the test wrote. */
    private List<FetchResponseData.AbortedTransaction> expected(long from, long to) {
        return abortedHistory.stream().filter(a -> a[2] >= from && a[1] < to)
                .map(a -> new FetchResponseData.AbortedTransaction().setProducerId(a[0]).setFirstOffset(a[1]))
                .toList();
    }

    private Path partitionDir() {
        return dir.resolve("txn-0");
    }

    private PartitionLog open(boolean clean) throws IOException {
        return PartitionLog.open(partitionDir(), TP, Uuid.ZERO_UUID, SMALL, clean);
    }

    private void send(PartitionLog log, long producerId, String value) throws IOException {
        int sequence = sequences.merge(producerId, 1, Integer::sum) - 1;
        MemoryRecords batch = MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, (short) 0, sequence,
                new SimpleRecord(System.currentTimeMillis(), (value + "-" + "x".repeat(120))
                        .getBytes(StandardCharsets.UTF_8)));
        long first = log.append(BatchValidator.validate(batch, 1 << 20)).firstOffset();
        firstOffsets.putIfAbsent(producerId, first);
    }

    private void end(PartitionLog log, long producerId, ControlRecordType type) throws IOException {
        long marker = log.appendEndTxnMarker(producerId, (short) 0, type, 0, System.currentTimeMillis());
        Long first = firstOffsets.remove(producerId);
        if (type == ControlRecordType.ABORT && first != null) {
            abortedHistory.add(new long[] {producerId, first, marker});
            abortMarkers++;
        }
    }

    /**
     * Producers 1-3 take turns, each transaction two batches with another producer's in between, so transactions
     * span segment rolls; every third one aborts. Producer 9's transaction stays open from the middle on.
     */
    private void writeHistory(PartitionLog log) throws IOException {
        for (int round = 0; round < 24; round++) {
            long producer = 1 + round % 3;
            long other = 1 + (round + 1) % 3;
            send(log, producer, "p" + producer + "-r" + round + "-a");
            send(log, other, "p" + other + "-r" + round + "-interleaved");
            send(log, producer, "p" + producer + "-r" + round + "-b");
            end(log, producer, round % 3 == 0 ? ControlRecordType.ABORT : ControlRecordType.COMMIT);
            end(log, other, ControlRecordType.COMMIT);
            if (round == 12) {
                send(log, 9, "open-from-the-middle");
            }
        }
    }

    private static List<String> files(Path partitionDir) throws IOException {
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    private static int indexEntries(PartitionLog log) {
        return log.segments().stream().mapToInt(s -> s.transactionIndex().entries()).sum();
    }

    private static void addFabricatedEntry(Path partitionDir, long segmentBase, long producerId) throws IOException {
        try (TransactionIndex index = TransactionIndex.open(partitionDir.resolve(
                LogSegment.fileName(segmentBase, TransactionIndex.SUFFIX)))) {
            index.append(new TransactionIndex.Entry(producerId, segmentBase, segmentBase, 0));
        }
    }

    private static boolean lists(List<FetchResponseData.AbortedTransaction> list, long producerId) {
        return list.stream().anyMatch(a -> a.producerId() == producerId);
    }

    @Test
    void theAbortedListIsWrittenToTheIndexesAndReadFromThemAfterACleanRestart() throws IOException {
        long lso;
        List<Long> bases;
        try (PartitionLog log = open(true)) {
            writeHistory(log);
            assertTrue(log.segmentCount() > 6, "segments: " + log.segmentCount());
            lso = log.lastStableOffset();
            assertEquals(expected(0, lso), log.abortedTransactions(0, lso));
            assertEquals(expected(0, Long.MAX_VALUE), log.abortedTransactions(0, Long.MAX_VALUE));
            assertEquals(expected(200, 400), log.abortedTransactions(200, 400));
            assertEquals(abortMarkers, indexEntries(log), "one entry per ABORT marker");
            bases = log.segments().stream().map(LogSegment::baseOffset).toList();
        }
        List<String> names = files(partitionDir());
        for (long base : bases) {
            assertTrue(names.contains(LogSegment.fileName(base, TransactionIndex.SUFFIX)), names.toString());
            if (base > 0) {
                assertTrue(names.contains(LogSegment.fileName(base, TransactionSnapshot.SUFFIX)), names.toString());
            }
        }
        // an entry only the index knows of, in the oldest segment: served after a clean start, so the list is
        // read from the index files and not rebuilt from the batches
        addFabricatedEntry(partitionDir(), 0, 999);
        try (PartitionLog log = open(true)) {
            assertEquals(lso, log.lastStableOffset(), "producer 9's open transaction from the snapshot");
            List<FetchResponseData.AbortedTransaction> listed = log.abortedTransactions(0, lso);
            assertTrue(lists(listed, 999), listed.toString());
            listed.removeIf(a -> a.producerId() == 999);
            assertEquals(expected(0, lso), listed);
            assertEquals(expected(200, 400), log.abortedTransactions(200, 400));

            // producer 9 aborts after the restart: its first offset came back from a segment's snapshot
            long nine = firstOffsets.get(9L);
            end(log, 9, ControlRecordType.ABORT);
            assertEquals(log.logEndOffset(), log.lastStableOffset());
            List<FetchResponseData.AbortedTransaction> after = log.abortedTransactions(nine, log.lastStableOffset());
            assertEquals(List.of(new FetchResponseData.AbortedTransaction().setProducerId(9).setFirstOffset(nine)),
                    after.stream().filter(a -> a.producerId() == 9).toList());
        }
    }

    @Test
    void anUncleanStopRebuildsTheIndexesOfTheLastTwoSegmentsOnly() throws IOException {
        List<Long> bases;
        try (PartitionLog log = open(true)) {
            writeHistory(log);
            end(log, 9, ControlRecordType.ABORT); // the last marker, in the active segment
            bases = log.segments().stream().map(LogSegment::baseOffset).toList();
        }
        long active = bases.get(bases.size() - 1);
        Path activeIndex = partitionDir().resolve(LogSegment.fileName(active, TransactionIndex.SUFFIX));
        // as a kill -9 can leave it: the active segment's index behind its log, and a stray entry past it
        Files.write(activeIndex, new byte[0]);
        addFabricatedEntry(partitionDir(), active, 998);
        addFabricatedEntry(partitionDir(), 0, 999);
        try (PartitionLog log = open(false)) {
            List<FetchResponseData.AbortedTransaction> listed = log.abortedTransactions(0, log.lastStableOffset());
            assertFalse(lists(listed, 998), "the active segment's index is rebuilt from its markers: " + listed);
            assertTrue(lists(listed, 999), "older segments were fsynced when they rolled: trusted as written");
            listed.removeIf(a -> a.producerId() == 999);
            assertEquals(expected(0, log.lastStableOffset()), listed);
            assertEquals(abortMarkers + 1, indexEntries(log));
        }
    }

    @Test
    void aLogDirWithoutTransactionFilesGetsThemBuiltOnceFromTheBatches() throws IOException {
        long lso;
        try (PartitionLog log = open(true)) {
            writeHistory(log);
            lso = log.lastStableOffset();
        }
        // a log dir of a release before .txnindex and .txnsnapshot (and a torn index, for good measure)
        for (String name : files(partitionDir())) {
            if (name.endsWith(TransactionIndex.SUFFIX) || name.endsWith(TransactionSnapshot.SUFFIX)) {
                Files.delete(partitionDir().resolve(name));
            }
        }
        try (PartitionLog log = open(true)) {
            assertEquals(lso, log.lastStableOffset(), "the open transaction found by the replay");
            assertEquals(expected(0, lso), log.abortedTransactions(0, lso));
            assertEquals(expected(0, Long.MAX_VALUE), log.abortedTransactions(0, Long.MAX_VALUE));
            assertEquals(abortMarkers, indexEntries(log));
            List<String> names = files(partitionDir());
            for (LogSegment segment : log.segments()) {
                assertTrue(names.contains(LogSegment.fileName(segment.baseOffset(), TransactionIndex.SUFFIX)));
                if (segment.baseOffset() > 0) {
                    assertTrue(names.contains(LogSegment.fileName(segment.baseOffset(), TransactionSnapshot.SUFFIX)),
                            names.toString());
                }
            }
        }
        addFabricatedEntry(partitionDir(), 0, 999);
        try (PartitionLog log = open(true)) {
            assertTrue(lists(log.abortedTransactions(0, lso), 999), "built once: the next start trusts the files");
        }
    }

    @Test
    void aMissingSnapshotReplaysFromAnEarlierSegment() throws IOException {
        long lso;
        List<Long> bases;
        try (PartitionLog log = open(true)) {
            writeHistory(log);
            lso = log.lastStableOffset();
            bases = log.segments().stream().map(LogSegment::baseOffset).toList();
        }
        long secondLast = bases.get(bases.size() - 2);
        Path snapshot = partitionDir().resolve(LogSegment.fileName(secondLast, TransactionSnapshot.SUFFIX));
        Files.delete(snapshot);
        try (PartitionLog log = open(false)) {
            assertEquals(lso, log.lastStableOffset());
            assertEquals(expected(0, lso), log.abortedTransactions(0, lso));
            assertTrue(Files.exists(snapshot), "written again by the replay");
            end(log, 9, ControlRecordType.ABORT);
            assertEquals(expected(0, log.lastStableOffset()), log.abortedTransactions(0, log.lastStableOffset()));
        }
    }

    @Test
    void retentionRemovesASegmentsIndexWithItsLog() throws IOException {
        long firstBase;
        try (PartitionLog log = open(true)) {
            writeHistory(log);
            end(log, 9, ControlRecordType.ABORT);
            firstBase = log.segments().get(0).baseOffset();
            long entriesBefore = indexEntries(log);
            int firstEntries = log.segments().get(0).transactionIndex().entries();
            assertTrue(firstEntries > 0, "the oldest segment holds an ABORT marker");

            log.updateConfig(SMALL.withRetention(-1, 3000).withFileDeleteDelayMs(0));
            int removed = log.deleteExpiredSegments(System.currentTimeMillis());
            assertTrue(removed > 0);
            List<String> names = files(partitionDir());
            assertTrue(names.contains(LogSegment.fileName(firstBase, TransactionIndex.SUFFIX) + ".deleted"),
                    names.toString());
            assertFalse(names.contains(LogSegment.fileName(firstBase, TransactionIndex.SUFFIX)), names.toString());
            log.deleteRenamedSegments(System.currentTimeMillis());
            names = files(partitionDir());
            assertTrue(names.stream().noneMatch(n -> n.endsWith(".deleted")), names.toString());
            assertTrue(indexEntries(log) < entriesBefore);

            long start = log.logStartOffset();
            List<FetchResponseData.AbortedTransaction> want = new ArrayList<>();
            // the ones whose ABORT marker is still in the log; their first offset may lie before its start
            for (LogSegment segment : log.segments()) {
                for (TransactionIndex.Entry e : segment.transactionIndex().all()) {
                    want.add(new FetchResponseData.AbortedTransaction().setProducerId(e.producerId())
                            .setFirstOffset(e.firstOffset()));
                }
            }
            assertEquals(want, log.abortedTransactions(start, log.lastStableOffset()));
        }
        try (PartitionLog log = open(true)) {
            List<String> names = files(partitionDir());
            assertTrue(names.stream().noneMatch(n -> n.startsWith(LogSegment.fileName(firstBase, ""))),
                    "nothing of the removed segment is left: " + names);
            long start = log.logStartOffset();
            assertEquals(expected(start, log.lastStableOffset()), log.abortedTransactions(start, log.lastStableOffset()),
                    "what retention left, after a restart");
        }
    }
}
