package io.logpipe.shipper.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.logpipe.shipper.testing.Harness;
import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipper reading real files while they are written, rotated, truncated, re-linked and removed, checked
 * line by line through output.file: every line exactly once.
 */
class HarvestingTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    /**
     * Waits until every regular file given (or in a directory given) has been read to its end and acknowledged:
     * the registry holds its inode at its size. From then on nothing is shipped until something is written.
     */
    private static void awaitReadToTheEnd(Harness h, Path... files) {
        Wait.until("the registry at the end of " + Arrays.toString(files), WAIT, () -> {
            List<Path> all = new ArrayList<>();
            for (Path f : files) {
                if (Files.isDirectory(f)) {
                    try (Stream<Path> in = Files.list(f)) {
                        in.filter(Files::isRegularFile).forEach(all::add);
                    }
                } else {
                    all.add(f);
                }
            }
            for (Path f : all) {
                long inode = (Long) Files.getAttribute(f, "unix:ino");
                long size = Files.size(f);
                if (h.agent().registry().all().stream()
                        .noneMatch(st -> st.identity().inode() == inode && st.offset() == size)) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Waits for {@code count} more scans of the globs than have completed now. */
    private static void awaitScans(Harness h, int count) {
        long target = h.agent().crawler().scans() + count;
        Wait.until(count + " scans", WAIT, () -> h.agent().crawler().scans() >= target);
    }

    private static String input(Path glob, String extra) {
        return "  - type: log\n    paths: ['" + glob + "']\n    scan_frequency: 100ms\n    close_inactive: 2s\n"
                + extra;
    }

    private static void write(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Count and checksum: every expected line exactly once, no other. */
    private static void assertExactlyOnce(List<String> expected, List<String> actual) {
        assertEquals(expected.size(), actual.size(), "number of events");
        assertEquals(checksum(expected), checksum(actual), "checksum over all lines");
        Set<String> seen = new HashSet<>();
        for (String m : actual) {
            assertTrue(seen.add(m), "shipped twice: " + m);
        }
        assertEquals(new HashSet<>(expected), seen);
    }

    private static long checksum(List<String> lines) {
        long sum = 0;
        for (String l : lines) {
            CRC32 crc = new CRC32();
            crc.update(l.getBytes(StandardCharsets.UTF_8));
            sum += crc.getValue();
        }
        return sum;
    }

    @Test
    void renameRotationUnderLoadLosesAndRepeatsNothing() throws Exception {
        // The glob names only the live file: each new file must be found by a scan before it is rotated away
        // (rotation every ~250 ms here, scans every 100 ms; in production it is hours against seconds).
        rotateUnderLoad("app.log", 10, true);
    }

    @Test
    void fastRenameRotationWithRotatedFilesInTheGlobLosesAndRepeatsNothing() throws Exception {
        // With 'app.log*' a renamed file keeps its identity (device + inode) under its new name: it is neither
        // read again nor lost, however fast the rotation.
        rotateUnderLoad("app.log*", 1000, false);
    }

    private void rotateUnderLoad(String glob, int linesPerPause, boolean pathIsLiveFile) throws Exception {
        Path logs = Files.createDirectories(work.resolve("logs"));
        Path app = logs.resolve("app.log");
        List<String> expected = new ArrayList<>();
        try (Harness h = Harness.start(work, input(logs.resolve(glob), ""))) {
            OutputStream out = Files.newOutputStream(app);
            int rotations = 0;
            for (int i = 0; i < 20_000; i++) {
                String line = "line " + i + " " + "x".repeat(i % 97);
                write(out, line);
                expected.add(line);
                if (i % linesPerPause == 0) {
                    Thread.sleep(1);
                }
                if (i % 2500 == 2499) {
                    // like logrotate "create": rename, the app writes a little more to its old descriptor, reopens
                    Files.move(app, logs.resolve("app.log." + (++rotations)));
                    for (int k = 0; k < 5; k++) {
                        String late = "late " + i + "-" + k;
                        write(out, late);
                        expected.add(late);
                    }
                    out.close();
                    out = Files.newOutputStream(app);
                }
            }
            out.close();
            h.awaitMessages(expected.size(), WAIT);
            // anything extra would have been read by now: what the glob matches is read to its end, and the rotated
            // files it no longer matches are closed
            Path[] matched = glob.equals("app.log") ? new Path[] {app} : new Path[] {logs};
            awaitReadToTheEnd(h, matched);
            long files = glob.equals("app.log") ? 1 : rotations + 1;
            Wait.until("the rotated files closed", WAIT, () -> h.agent().crawler().openFiles() <= files);
            assertExactlyOnce(expected, h.messages());
            if (pathIsLiveFile) {
                for (JsonNode e : h.events()) {
                    assertEquals(app.toString(), e.path("log").path("file").path("path").asText());
                }
            }
        }
    }

    @Test
    void copyTruncateRestartsAtZeroWithoutRepeats() throws Exception {
        Path app = Files.createDirectories(work.resolve("logs")).resolve("app.log");
        Files.createFile(app);
        List<String> expected = new ArrayList<>();
        try (Harness h = Harness.start(work, input(app, ""))) {
            int n = 0;
            for (int round = 0; round < 5; round++) {
                try (OutputStream out = Files.newOutputStream(app, StandardOpenOption.APPEND)) {
                    for (int i = 0; i < 3000; i++) {
                        String line = "round " + round + " line " + (n++);
                        write(out, line);
                        expected.add(line);
                    }
                }
                h.awaitMessages(expected.size(), WAIT);
                // logrotate copytruncate: copy, then truncate the live file in place
                Files.copy(app, app.resolveSibling("app.log." + round), StandardCopyOption.REPLACE_EXISTING);
                try (RandomAccessFile raf = new RandomAccessFile(app.toFile(), "rw")) {
                    raf.setLength(0);
                }
            }
            awaitReadToTheEnd(h, app);
            assertExactlyOnce(expected, h.messages());
        }
    }

    @Test
    void truncatedAndRewrittenPastTheOldSizeIsStillNoticed() throws Exception {
        Path app = Files.createDirectories(work.resolve("logs")).resolve("app.log");
        Files.writeString(app, "first\n");
        try (Harness h = Harness.start(work, input(app, ""))) {
            h.awaitMessages(1, WAIT);
            h.close();
            // while stopped: same inode, new content longer than the old registry offset
            try (RandomAccessFile raf = new RandomAccessFile(app.toFile(), "rw")) {
                raf.setLength(0);
                raf.write("second line, longer than before\nthird\n".getBytes(StandardCharsets.UTF_8));
            }
            try (Harness again = Harness.start(work, input(app, ""))) {
                again.awaitMessages(3, WAIT);
                assertEquals(List.of("first", "second line, longer than before", "third"), again.messages());
            }
        }
    }

    @Test
    void restartResumesExactlyAtTheAcknowledgedOffset() throws Exception {
        Path app = Files.createDirectories(work.resolve("logs")).resolve("app.log");
        List<String> expected = new ArrayList<>();
        try (OutputStream out = Files.newOutputStream(app)) {
            for (int i = 0; i < 500; i++) {
                write(out, "before " + i);
                expected.add("before " + i);
            }
            out.write("unfinished".getBytes(StandardCharsets.UTF_8)); // no newline yet
        }
        try (Harness h = Harness.start(work, input(app, ""))) {
            h.awaitMessages(500, WAIT);
        }
        try (OutputStream out = Files.newOutputStream(app, StandardOpenOption.APPEND)) {
            write(out, " line");
            expected.add("unfinished line");
            for (int i = 0; i < 500; i++) {
                write(out, "after " + i);
                expected.add("after " + i);
            }
        }
        try (Harness h = Harness.start(work, input(app, ""))) {
            h.awaitMessages(1001, WAIT);
            awaitReadToTheEnd(h, app);
            assertExactlyOnce(expected, h.messages());
        }
    }

    @Test
    void aLinkSwappedToANewTargetFinishesTheOldAndReadsTheNew() throws Exception {
        Path logs = Files.createDirectories(work.resolve("logs"));
        Path real = Files.createDirectories(work.resolve("real"));
        Path current = logs.resolve("current.log");
        Path a = real.resolve("a.log");
        Path b = real.resolve("b.log");
        Files.writeString(a, "a1\na2\n");
        Files.createSymbolicLink(current, a);
        try (Harness h = Harness.start(work, input(logs.resolve("*.log"), ""))) {
            h.awaitMessages(2, WAIT);
            Files.writeString(b, "b1\n");
            Path tmp = logs.resolve(".current.tmp");
            Files.createSymbolicLink(tmp, b);
            Files.move(tmp, current, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(a, "a3\n", StandardOpenOption.APPEND); // the old target's last words
            Files.writeString(b, "b2\n", StandardOpenOption.APPEND);
            h.awaitMessages(5, WAIT);
            awaitReadToTheEnd(h, a, b);
            List<String> got = h.messages();
            assertEquals(Set.of("a1", "a2", "a3", "b1", "b2"), new HashSet<>(got));
            assertEquals(5, got.size());
            for (JsonNode e : h.events()) {
                assertEquals(current.toString(), e.path("log").path("file").path("path").asText(),
                        "events carry the path as matched");
            }
            // b stays active, a falls silent: a's harvester is finished and closed, b's stays open
            Wait.until("the old target closed", WAIT, Duration.ofMillis(200), () -> {
                if (h.agent().crawler().openFiles() == 1) {
                    return true;
                }
                Files.writeString(b, "b keeps going\n", StandardOpenOption.APPEND);
                return false;
            });
        }
    }

    @Test
    void aDanglingLinkIsPickedUpOnceItsTargetAppears() throws Exception {
        Path logs = Files.createDirectories(work.resolve("logs"));
        Path target = work.resolve("later.log");
        Files.createSymbolicLink(logs.resolve("app.log"), target);
        try (Harness h = Harness.start(work, input(logs.resolve("*.log"), ""))) {
            awaitScans(h, 2);
            assertEquals(0, h.agent().crawler().openFiles(), "a dangling link is not opened");
            assertEquals(0, h.events().size());
            Files.writeString(target, "now it exists\n");
            h.awaitMessages(1, WAIT);
            assertEquals(List.of("now it exists"), h.messages());
        }
    }

    @Test
    void aRemovedFileIsReadToItsEndThenForgotten() throws Exception {
        Path app = Files.createDirectories(work.resolve("logs")).resolve("app.log");
        List<String> expected = new ArrayList<>();
        try (Harness h = Harness.start(work, input(app, ""))) {
            try (OutputStream out = Files.newOutputStream(app)) {
                write(out, "first");
                expected.add("first");
                h.awaitMessages(1, WAIT);
                for (int i = 0; i < 5000; i++) {
                    write(out, "removed soon " + i);
                    expected.add("removed soon " + i);
                }
                Files.delete(app); // while the writer still has it open
                write(out, "written after unlink");
                expected.add("written after unlink");
            }
            h.awaitMessages(expected.size(), WAIT);
            assertExactlyOnce(expected, h.messages());
            Wait.until("registry entry dropped (clean_removed)", WAIT,
                    () -> h.agent().registry().all().isEmpty());
        }
    }

    @Test
    void linesAreShippedOnlyWhenComplete_andMultilineGroupsByTimeout() throws Exception {
        Path app = Files.createDirectories(work.resolve("logs")).resolve("app.log");
        String ml = "    multiline.pattern: '^\\d'\n    multiline.negate: true\n    multiline.match: after\n"
                + "    multiline.timeout: 300ms\n";
        try (Harness h = Harness.start(work, input(app, ml))) {
            Files.writeString(app, "1 start\n  cont\n2 partial");
            h.awaitMessages(1, WAIT);
            assertEquals(List.of("1 start\n  cont"), h.messages());
            // the partial line was read with the first group, which only the 300 ms timeout flushed; it stays
            // unshipped however often the file is looked at again
            Wait.until("the first group acknowledged", WAIT, () -> h.agent().registry().all().stream()
                    .anyMatch(st -> st.offset() == 15));
            awaitScans(h, 3);
            assertEquals(1, h.events().size(), "a line without its newline is not shipped");
            Files.writeString(app, " done\n", StandardOpenOption.APPEND);
            h.awaitMessages(2, WAIT); // flushed by the multiline timeout
            JsonNode second = h.events().get(1);
            assertEquals("2 partial done", second.path("message").asText());
            assertEquals(15, second.path("log").path("offset").asLong());
            JsonNode first = h.events().get(0);
            assertEquals("multiline", first.path("log").path("flags").get(0).asText());
            assertFalse(second.path("log").has("flags"));
        }
    }

    @Test
    void filteredLinesAreNotShippedButTheOffsetMovesPastThem() throws Exception {
        Path app = Files.createDirectories(work.resolve("logs")).resolve("app.log");
        Files.writeString(app, "ERROR one\nDEBUG noise\nINFO two\nERROR debug-ish DBG\nWARN three\n");
        String filters = "    include_lines: ['^ERROR', '^WARN']\n    exclude_lines: ['DBG']\n";
        try (Harness h = Harness.start(work, input(app, filters))) {
            h.awaitMessages(2, WAIT);
            Wait.until("registry at the end of the file", WAIT, () -> h.agent().registry().all().stream()
                    .anyMatch(s -> s.offset() == 62));
            assertEquals(List.of("ERROR one", "WARN three"), h.messages());
        }
    }

    @Test
    void tailFilesStartsNewFilesAtTheirEndOnTheFirstScanOnly() throws Exception {
        Path logs = Files.createDirectories(work.resolve("logs"));
        Files.writeString(logs.resolve("old.log"), "history\n");
        try (Harness h = Harness.start(work, input(logs.resolve("*.log"), "    tail_files: true\n"))) {
            Wait.until("old.log opened", WAIT, () -> h.agent().crawler().openFiles() == 1);
            Files.writeString(logs.resolve("old.log"), "appended\n", StandardOpenOption.APPEND);
            // a file created later (e.g. by rotation) is read from its start: tailing it would lose lines
            Files.writeString(logs.resolve("new.log"), "fresh\n");
            h.awaitMessages(2, WAIT);
            assertEquals(Set.of("appended", "fresh"), new HashSet<>(h.messages()));
        }
    }

    @Test
    void overlongLinesAreTruncatedAndFlagged() throws Exception {
        Path app = Files.createDirectories(work.resolve("logs")).resolve("app.log");
        Files.writeString(app, "z".repeat(300) + "\nshort\n");
        try (Harness h = Harness.start(work, input(app, "    max_bytes: 100\n"))) {
            h.awaitMessages(2, WAIT);
            JsonNode first = h.events().get(0);
            assertEquals("z".repeat(100), first.path("message").asText());
            assertEquals("truncated", first.path("log").path("flags").get(0).asText());
            assertEquals(301, h.events().get(1).path("log").path("offset").asLong());
        }
    }
}
