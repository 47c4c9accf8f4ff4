package io.logpipe.queue.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed-offsets file: what was written comes back after a reopen; a torn tail is dropped, nothing else. */
class OffsetStoreTest {
    @TempDir
    Path dir;

    static final TopicPartition A0 = new TopicPartition("a", 0);
    static final TopicPartition A1 = new TopicPartition("a", 1);

    static CommittedOffset at(long offset) {
        return new CommittedOffset(offset, 3, "meta-" + offset, 1000 + offset);
    }

    Map<String, OffsetStore.StoredGroup> reopen() throws IOException {
        Map<String, OffsetStore.StoredGroup> loaded = new HashMap<>();
        OffsetStore.open(dir, Long.MAX_VALUE, Long.MAX_VALUE, loaded).close();
        return loaded;
    }

    @Test
    void commitsDeletionsAndGroupDeletionsSurviveReopening() throws IOException {
        try (OffsetStore store = OffsetStore.open(dir, Long.MAX_VALUE, Long.MAX_VALUE, new HashMap<>())) {
            store.commit("g1", "consumer", Map.of(A0, at(5), A1, at(7)));
            store.commit("g1", "consumer", Map.of(A0, at(9)));
            store.commit("g2", "", Map.of(A0, at(1)));
            store.commit("g3", "consumer", Map.of(A1, at(2)));
            store.delete("g1", List.of(A1));
            store.deleteGroup("g3");
        }
        Map<String, OffsetStore.StoredGroup> loaded = reopen();
        assertEquals(Map.of(A0, at(9)), loaded.get("g1").offsets);
        assertEquals("consumer", loaded.get("g1").protocolType);
        assertEquals(Map.of(A0, at(1)), loaded.get("g2").offsets);
        assertEquals("", loaded.get("g2").protocolType);
        assertFalse(loaded.containsKey("g3"));
        // Reopening compacted the file; a second reopen reads the snapshot to the same state.
        assertEquals(Map.of(A0, at(9)), reopen().get("g1").offsets);
    }

    @Test
    void aTornLastRecordIsDroppedAndLaterCommitsAreKept() throws IOException {
        try (OffsetStore store = OffsetStore.open(dir, Long.MAX_VALUE, Long.MAX_VALUE, new HashMap<>())) {
            store.commit("g", "consumer", Map.of(A0, at(10)));
            store.commit("g", "consumer", Map.of(A0, at(20), A1, at(21)));
        }
        Path file = dir.resolve(OffsetStore.FILE_NAME);
        long whole = Files.size(file);
        try (OffsetStore store = OffsetStore.open(dir, Long.MAX_VALUE, Long.MAX_VALUE, new HashMap<>())) {
            store.commit("g", "consumer", Map.of(A0, at(30)));
        }
        long withThird = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(withThird - 5); // a crash in the middle of writing the third commit
        }
        Map<String, OffsetStore.StoredGroup> loaded = reopen();
        assertEquals(Map.of(A0, at(20), A1, at(21)), loaded.get("g").offsets, "the torn commit is gone, the rest kept");
        assertTrue(Files.size(file) <= whole, "the torn bytes were cut off");

        try (OffsetStore store = OffsetStore.open(dir, Long.MAX_VALUE, Long.MAX_VALUE, new HashMap<>())) {
            store.commit("g", "consumer", Map.of(A0, at(40)));
        }
        assertEquals(Map.of(A0, at(40), A1, at(21)), reopen().get("g").offsets, "appends after recovery are readable");
    }

    @Test
    void aRecordWithABadChecksumEndsRecovery() throws IOException {
        try (OffsetStore store = OffsetStore.open(dir, Long.MAX_VALUE, Long.MAX_VALUE, new HashMap<>())) {
            store.commit("g", "consumer", Map.of(A0, at(1)));
            store.commit("g", "consumer", Map.of(A0, at(2)));
        }
        Path file = dir.resolve(OffsetStore.FILE_NAME);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x7f}), ch.size() - 3); // flip a byte of the last record
        }
        assertEquals(Map.of(A0, at(1)), reopen().get("g").offsets);
    }

    @Test
    void garbageAfterTheRecordsIsIgnored() throws IOException {
        try (OffsetStore store = OffsetStore.open(dir, Long.MAX_VALUE, Long.MAX_VALUE, new HashMap<>())) {
            store.commit("g", "consumer", Map.of(A0, at(1)));
        }
        Files.write(dir.resolve(OffsetStore.FILE_NAME), new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                1, 2, 3, 4, 5}, StandardOpenOption.APPEND);
        assertEquals(Map.of(A0, at(1)), reopen().get("g").offsets);
    }

    @Test
    void aCommitIsInTheFileWhenCommitReturns() throws IOException {
        // Written, not buffered: a process killed right after the acknowledgement leaves the record to the kernel.
        try (OffsetStore store = OffsetStore.open(dir, Long.MAX_VALUE, Long.MAX_VALUE, new HashMap<>())) {
            store.commit("g", "consumer", Map.of(A0, at(1)));
            assertEquals(Map.of(A0, at(1)), OffsetStore.read(dir).get("g").offsets);
        }
    }

    @Test
    void compactionWhileOpenShrinksTheFileAndLaterAppendsGoToTheNewFile() throws IOException {
        Path file = dir.resolve(OffsetStore.FILE_NAME);
        try (OffsetStore store = OffsetStore.open(dir, Long.MAX_VALUE, Long.MAX_VALUE, new HashMap<>())) {
            for (int i = 0; i < 1000; i++) {
                store.commit("g", "consumer", Map.of(A0, at(i)));
            }
            long before = Files.size(file);
            OffsetStore.StoredGroup live = new OffsetStore.StoredGroup();
            live.protocolType = "consumer";
            live.offsets.put(A0, at(999));
            store.compact(Map.of("g", live));
            assertTrue(Files.size(file) < before / 100, "one record instead of a thousand");
            store.commit("g", "consumer", Map.of(A1, at(5)));
        }
        assertEquals(Map.of(A0, at(999), A1, at(5)), reopen().get("g").offsets);
    }
}
