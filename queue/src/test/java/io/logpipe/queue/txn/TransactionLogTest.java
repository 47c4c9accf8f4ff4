package io.logpipe.queue.txn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.logpipe.common.io.FormatVersion;
import io.logpipe.queue.group.CommittedOffset;
import io.logpipe.queue.util.FramedRecords;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code transactions.log}: the last record of each transactional id wins, everything of a state comes back
 * (partitions, pending group offsets), a torn tail is dropped and the file compacted to one record per id.
 */
class TransactionLogTest {
    @TempDir
    Path dir;

    private static TransactionMetadata txn(String id, long producerId, int epoch, TransactionState state) {
        TransactionMetadata txn = new TransactionMetadata(id, producerId, (short) epoch, 60_000, state, 1_000);
        txn.startMs = 500;
        return txn;
    }

    @Test
    void theLastStateOfEachIdComesBackWholeAndATornTailIsDropped() throws IOException {
        try (TransactionLog log = TransactionLog.open(dir, new LinkedHashMap<>())) {
            log.append(txn("a", 1, 0, TransactionState.EMPTY));
            TransactionMetadata ongoing = txn("a", 1, 0, TransactionState.ONGOING);
            ongoing.partitions.add(new TopicPartition("out", 2));
            ongoing.pendingOffsets.put("group", new LinkedHashMap<>(Map.of(new TopicPartition("in", 0),
                    new CommittedOffset(42, -1, "meta", 1_000))));
            log.append(ongoing);
            log.append(txn("b", 2, 3, TransactionState.COMPLETE_COMMIT));
        }
        Path file = dir.resolve(TransactionLog.FILE_NAME);
        long whole = Files.size(file);
        // a write torn by kill -9: a length prefix and half a payload
        Files.write(file, new byte[] {0, 0, 0, 100, 1, 2, 3, 4, 5, 6}, StandardOpenOption.APPEND);

        Map<String, TransactionMetadata> loaded = new LinkedHashMap<>();
        try (TransactionLog log = TransactionLog.open(dir, loaded)) {
            assertEquals(List.of("a", "b"), List.copyOf(loaded.keySet()));
            TransactionMetadata a = loaded.get("a");
            assertEquals(TransactionState.ONGOING, a.state);
            assertEquals(1, a.producerId);
            assertEquals(500, a.startMs);
            assertEquals(List.of(new TopicPartition("out", 2)), List.copyOf(a.partitions));
            assertEquals(42, a.pendingOffsets.get("group").get(new TopicPartition("in", 0)).offset());
            assertEquals("meta", a.pendingOffsets.get("group").get(new TopicPartition("in", 0)).metadata());
            assertEquals(3, loaded.get("b").epoch);
            assertEquals(TransactionState.COMPLETE_COMMIT, loaded.get("b").state);
            assertTrue(Files.size(file) < whole, "compacted to one record per id, the torn tail gone");
            log.append(txn("c", 3, 0, TransactionState.EMPTY));
        }
        Map<String, TransactionMetadata> again = new LinkedHashMap<>();
        try (TransactionLog log = TransactionLog.open(dir, again)) {
            assertEquals(List.of("a", "b", "c"), List.copyOf(again.keySet()));
        }
    }

    @Test
    void aRecordOfANewerFormatStopsTheStartAndLeavesTheFileAsItIs() throws IOException {
        try (TransactionLog log = TransactionLog.open(dir, new LinkedHashMap<>())) {
            log.append(txn("a", 1, 0, TransactionState.EMPTY));
        }
        Path file = dir.resolve(TransactionLog.FILE_NAME);
        byte[] newer = TransactionLog.encode(txn("b", 2, 0, TransactionState.EMPTY));
        newer[0] = (byte) (TransactionLog.FORMAT.current() + 1);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.APPEND)) {
            FramedRecords.write(out, ByteBuffer.wrap(newer));
        }
        byte[] before = Files.readAllBytes(file);

        FormatVersion.NewerFormatException e = assertThrows(FormatVersion.NewerFormatException.class,
                () -> TransactionLog.open(dir, new LinkedHashMap<>()));
        assertTrue(e.getMessage().contains("queue transaction log format version 1 is newer"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file), "neither compacted nor truncated");
    }
}
