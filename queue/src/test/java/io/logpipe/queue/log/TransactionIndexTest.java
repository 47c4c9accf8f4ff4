package io.logpipe.queue.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.io.FormatVersion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.message.FetchResponseData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code .txnindex} file on its own: Kafka's 34-byte entries, what a fetch range collects and when it may stop,
 * cutting entries of markers a recovery removed, a missing or torn file that must be rebuilt, and a newer version
 * refused with the file left alone. Also the {@code .txnsnapshot} beside it.
 */
class TransactionIndexTest {
    @TempDir
    Path dir;

    private static FetchResponseData.AbortedTransaction aborted(long producerId, long firstOffset) {
        return new FetchResponseData.AbortedTransaction().setProducerId(producerId).setFirstOffset(firstOffset);
    }

    @Test
    void entriesAreKafkasAbortedTxnLayoutAndReadBackAfterReopening() throws IOException {
        Path file = dir.resolve(LogSegment.fileName(100, TransactionIndex.SUFFIX));
        try (TransactionIndex index = TransactionIndex.create(file)) {
            assertTrue(index.usable());
            assertEquals(0, Files.size(file), "a segment's index exists from the start, empty");
            index.append(new TransactionIndex.Entry(7, 95, 110, 111));
            index.append(new TransactionIndex.Entry(8, 105, 120, 112));
            index.flush();
        }
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(2 * 34, bytes.length);
        ByteBuffer expected = ByteBuffer.allocate(68);
        expected.putShort((short) 0).putLong(7).putLong(95).putLong(110).putLong(111);
        expected.putShort((short) 0).putLong(8).putLong(105).putLong(120).putLong(112);
        assertArrayEquals(expected.array(), bytes, "version int16 0, producer id, first, last, last stable offset");
        try (TransactionIndex reopened = TransactionIndex.open(file)) {
            assertTrue(reopened.usable());
            assertEquals(2, reopened.entries());
            assertEquals(List.of(new TransactionIndex.Entry(7, 95, 110, 111),
                    new TransactionIndex.Entry(8, 105, 120, 112)), reopened.all());
            reopened.append(new TransactionIndex.Entry(9, 121, 130, 131));
            assertEquals(3, reopened.all().size(), "appends go after the entries already there");
        }
    }

    @Test
    void aFetchRangeCollectsTheTransactionsItOverlapsAndStopsOnceTheLastStableOffsetPassesIt() throws IOException {
        try (TransactionIndex index = TransactionIndex.create(dir.resolve("a.txnindex"))) {
            // producer 1 aborted [10, 20], producer 2 [15, 30] (LSO after it 31), producer 3 [40, 50] (LSO 51)
            index.append(new TransactionIndex.Entry(1, 10, 20, 15));
            index.append(new TransactionIndex.Entry(2, 15, 30, 31));
            index.append(new TransactionIndex.Entry(3, 40, 50, 51));

            List<FetchResponseData.AbortedTransaction> out = new ArrayList<>();
            assertTrue(index.collect(0, 31, out), "producer 2's marker left the LSO at 31: nothing later matters");
            assertEquals(List.of(aborted(1, 10), aborted(2, 15)), out);

            out.clear();
            assertFalse(index.collect(21, 100, out), "no entry's LSO reached 100: later segments may hold more");
            assertEquals(List.of(aborted(2, 15), aborted(3, 40)), out, "producer 1's marker (20) is before 21");

            out.clear();
            index.collect(0, 12, out);
            assertEquals(List.of(aborted(1, 10)), out, "producer 2 began at 15, past the range");

            out.clear();
            assertFalse(index.collect(51, 60, out));
            assertEquals(List.of(), out);
        }
    }

    @Test
    void truncateDropsTheEntriesOfMarkersAtOrAfterTheCut() throws IOException {
        Path file = dir.resolve("b.txnindex");
        try (TransactionIndex index = TransactionIndex.create(file)) {
            index.append(new TransactionIndex.Entry(1, 10, 20, 21));
            index.append(new TransactionIndex.Entry(2, 15, 30, 31));
            index.truncateTo(30);
            assertEquals(List.of(new TransactionIndex.Entry(1, 10, 20, 21)), index.all());
            assertEquals(34, Files.size(file));
            index.truncateTo(100);
            assertEquals(1, index.entries(), "nothing at or after 100");
            index.append(new TransactionIndex.Entry(3, 25, 40, 41));
            assertEquals(2, index.all().size());
        }
    }

    @Test
    void aMissingOrTornFileIsNotUsableUntilItIsRebuilt() throws IOException {
        Path missing = dir.resolve("missing.txnindex");
        try (TransactionIndex index = TransactionIndex.open(missing)) {
            assertFalse(index.usable(), "written by a release before the file existed: rebuild it");
            index.reset();
            assertTrue(index.usable());
            assertTrue(Files.exists(missing));
        }
        Path torn = dir.resolve("torn.txnindex");
        try (TransactionIndex index = TransactionIndex.create(torn)) {
            index.append(new TransactionIndex.Entry(1, 10, 20, 21));
        }
        Files.write(torn, new byte[] {0, 0, 0}, StandardOpenOption.APPEND);
        try (TransactionIndex index = TransactionIndex.open(torn)) {
            assertFalse(index.usable(), "not a whole number of entries");
            index.reset();
            index.append(new TransactionIndex.Entry(1, 10, 20, 21));
            assertEquals(34, Files.size(torn));
        }
    }

    @Test
    void anEntryOfANewerVersionStopsTheOpenAndTheFileIsLeftAsItIs() throws IOException {
        Path file = dir.resolve(LogSegment.fileName(0, TransactionIndex.SUFFIX));
        ByteBuffer entry = ByteBuffer.allocate(34);
        entry.putShort((short) 1).putLong(7).putLong(0).putLong(5).putLong(6);
        Files.write(file, entry.array());
        FormatVersion.NewerFormatException newer = assertThrows(FormatVersion.NewerFormatException.class,
                () -> TransactionIndex.open(file));
        assertTrue(newer.getMessage().startsWith(file + ": queue transaction index format version 1 is newer than "
                + "this release reads (up to version 0)"), newer.getMessage());
        assertArrayEquals(entry.array(), Files.readAllBytes(file));
    }

    @Test
    void aSnapshotKeepsTheOpenTransactionsAndFencesWhereItsSegmentBegins() throws IOException {
        Path file = dir.resolve(LogSegment.fileName(500, TransactionSnapshot.SUFFIX));
        Map<Long, Long> open = new LinkedHashMap<>();
        open.put(7L, 420L);
        open.put(9L, 480L);
        Map<Long, Short> fenced = Map.of(3L, (short) 4);
        TransactionSnapshot.write(file, 500, new TransactionSnapshot.State(open, fenced));
        TransactionSnapshot.State read = TransactionSnapshot.read(file, 500);
        assertEquals(open, read.open());
        assertEquals(List.of(7L, 9L), List.copyOf(read.open().keySet()), "earliest first, as written");
        assertEquals(fenced, read.epochs());

        assertNull(TransactionSnapshot.read(file, 600), "a snapshot of another segment is not trusted");
        assertNull(TransactionSnapshot.read(dir.resolve("none.txnsnapshot"), 500));
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 3));
        assertNull(TransactionSnapshot.read(file, 500), "a torn snapshot is not trusted");

        whole[8] = 2; // the payload's version byte (after length and CRC), with a CRC that checks out
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(whole, 8, whole.length - 8);
        ByteBuffer.wrap(whole).putInt(4, (int) crc.getValue());
        Files.write(file, whole);
        FormatVersion.NewerFormatException newer = assertThrows(FormatVersion.NewerFormatException.class,
                () -> TransactionSnapshot.read(file, 500));
        assertTrue(newer.getMessage().contains("queue transaction snapshot format version 2 is newer than this "
                + "release reads (up to version 1)"), newer.getMessage());
    }
}
