package io.logpipe.shipper.input;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.logpipe.shipper.config.ConfigFile;
import io.logpipe.shipper.config.InputConfig;
import io.logpipe.shipper.config.ShipperConfig;
import io.logpipe.shipper.event.Event;
import io.logpipe.shipper.registry.FileIdentity;
import io.logpipe.shipper.registry.FileState;
import io.logpipe.shipper.registry.Registry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One harvester on a real file, driven look by look, so that what happens between two looks (a copytruncate and
 * the rewrite after it) is exact rather than left to timing.
 */
class HarvesterTest {
    @TempDir
    Path dir;

    private final List<Event> events = new ArrayList<>();
    private FileChannel channel;

    @AfterEach
    void closeFile() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }

    private Harvester harvest(Path file) throws IOException {
        return harvest(file, 0);
    }

    /** A harvester as the crawler starts it: the file opened, its first bytes read once, reading from {@code startOffset}. */
    private Harvester harvest(Path file, long startOffset) throws IOException {
        String yaml = "output.console: {}\nfilebeat.inputs:\n  - paths: ['" + file + "']\n";
        InputConfig input = ShipperConfig.from(Path.of("t.yml"), ConfigFile.parse("t.yml", yaml), w -> { })
                .inputs().get(0);
        Registry registry = Registry.open(dir.resolve("data"));
        Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino");
        channel = Harvester.open(file);
        ContentHead opened = ContentHead.read(channel);
        FileState state = registry.create(opened.identity((Long) a.get("dev"), (Long) a.get("ino")),
                file.toString(), "log", startOffset);
        return new Harvester(input, file, state, channel, startOffset, opened, events::add);
    }

    private static void pollToTheEnd(Harvester h) throws Exception {
        while (h.poll(16) > 0) {
            // until nothing new
        }
    }

    private List<String> messages() {
        List<String> out = new ArrayList<>();
        for (Event e : events) {
            out.add(e.message());
        }
        return out;
    }

    private static List<String> lines(String prefix, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    private static void rewrite(Path file, List<String> lines) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(0);
            raf.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void truncatedAndRewrittenPastTheOffsetBetweenTwoReadsIsReadFromZero() throws Exception {
        Path app = Files.createFile(dir.resolve("app.log")); // empty when opened: no fingerprint yet
        Harvester h = harvest(app);
        List<String> first = lines("round 0 line ", 200);
        Files.writeString(app, String.join("\n", first) + "\n", StandardOpenOption.APPEND);
        pollToTheEnd(h);
        assertEquals(first, messages());

        // copytruncate, then more (and longer) lines than before, all before the harvester looks again
        List<String> second = lines("round 1, a longer line ", 300);
        rewrite(app, second);
        pollToTheEnd(h);

        List<String> expected = new ArrayList<>(first);
        expected.addAll(second);
        assertEquals(expected, messages(), "the new content from its first line, nothing twice, nothing cut");
        assertEquals(0, events.get(first.size()).offset, "the new content starts at offset 0");
    }

    @Test
    void truncatedAndRewrittenToTheSameSizeIsNoticedByTheScan() throws Exception {
        Path app = dir.resolve("app.log");
        Files.writeString(app, "aaaa\n".repeat(50));
        Harvester h = harvest(app);
        pollToTheEnd(h);
        assertEquals(50, events.size());

        rewrite(app, Collections.nCopies(50, "bbbb"));
        assertEquals(0, h.poll(16), "same size: nothing new to read");
        h.verifyContent(); // a scan
        pollToTheEnd(h);

        List<String> expected = new ArrayList<>(Collections.nCopies(50, "aaaa"));
        expected.addAll(Collections.nCopies(50, "bbbb"));
        assertEquals(expected, messages());
    }

    /** What makes an event's id at the source: the file as the event knows it, and its first byte offset. */
    private List<String> identities() {
        List<String> out = new ArrayList<>();
        for (Event e : events) {
            out.add(e.file + "@" + e.offset);
        }
        return out;
    }

    @Test
    void theSameBytesReadAgainGiveTheSameIdentities_howeverTheFileGrewWhenFirstRead() throws Exception {
        Path app = Files.createFile(dir.resolve("app.log"));
        Harvester growing = harvest(app);
        for (String line : lines("a line that grows the file a little at a time, number ", 60)) {
            Files.writeString(app, line + "\n", StandardOpenOption.APPEND);
            pollToTheEnd(growing); // the fingerprint is shorter than its maximum for the first lines
        }
        List<String> firstRead = identities();
        channel.close();

        events.clear();
        pollToTheEnd(harvest(app)); // read again from offset 0, the whole file there at once (a lost registry)
        assertEquals(firstRead, identities());
        assertEquals(60, new HashSet<>(firstRead).size(), "no two events share an identity");
    }

    @Test
    void newContentAfterACopytruncateGetsNewIdentitiesAtTheSameOffsets() throws Exception {
        Path app = dir.resolve("app.log");
        rewrite(app, lines("old content line ", 100));
        Harvester h = harvest(app);
        pollToTheEnd(h);
        rewrite(app, lines("new content line ", 100)); // the same sizes: only the bytes differ
        h.verifyContent();
        pollToTheEnd(h);

        assertEquals(200, events.size());
        for (int i = 0; i < 100; i++) {
            Event before = events.get(i);
            Event after = events.get(100 + i);
            assertEquals(before.offset, after.offset);
            Assertions.assertNotEquals(before.file, after.file, "line " + i);
        }
    }

    @Test
    void truncatedAndRewrittenShorterWithTheSameFirstBytesIsReadFromZero() throws Exception {
        Path app = dir.resolve("app.log");
        List<String> header = lines("the same header every time the file is rewritten, line ", 30); // > 1 KB
        List<String> first = new ArrayList<>(header);
        first.addAll(lines("first content line ", 100));
        rewrite(app, first);
        Harvester h = harvest(app);
        pollToTheEnd(h);

        // copytruncate, then the same first KB and less than before: only the size tells
        List<String> second = new ArrayList<>(header);
        second.addAll(lines("second ", 3));
        rewrite(app, second);
        assertEquals(0, h.poll(16), "nothing to read past the old offset: the shrink is noticed, reading restarts");
        pollToTheEnd(h);

        List<String> expected = new ArrayList<>(first);
        expected.addAll(second);
        assertEquals(expected, messages());
    }

    @Test
    void resumingPastTheBytesSeenWhenOpenedStillKnowsTheWholeFirstKilobyte() throws Exception {
        // Opened while 100 bytes long, then it grew before the harvester started at its registry offset 1500:
        // the first 1024 bytes must then come from the file, or a later rewrite of bytes 100-1023 would go unseen.
        Path app = dir.resolve("app.log");
        Files.writeString(app, "x".repeat(99) + "\n");
        channel = Harvester.open(app);
        ContentHead opened = ContentHead.read(channel);
        assertEquals(100, opened.length());
        channel.close();
        long resumeAt = 1500;
        Files.writeString(app, "y".repeat((int) resumeAt - 101) + "\n" + String.join("\n", lines("grown line ", 200))
                + "\n", StandardOpenOption.APPEND);

        String yaml = "output.console: {}\nfilebeat.inputs:\n  - paths: ['" + app + "']\n";
        InputConfig input = ShipperConfig.from(Path.of("t.yml"), ConfigFile.parse("t.yml", yaml), w -> { })
                .inputs().get(0);
        Map<String, Object> a = Files.readAttributes(app, "unix:dev,ino");
        channel = Harvester.open(app);
        FileState state = Registry.open(dir.resolve("data")).create(
                opened.identity((Long) a.get("dev"), (Long) a.get("ino")), app.toString(), "log", resumeAt);
        Harvester h = new Harvester(input, app, state, channel, resumeAt, opened, events::add);
        pollToTheEnd(h);
        assertEquals(lines("grown line ", 200), messages());
        assertEquals(FileIdentity.FINGERPRINT_BYTES, state.identity().fingerprintLength(), "the whole first KB");

        // copytruncate: the same first 100 bytes, then other content, longer than the offset reached
        List<String> rewritten = new ArrayList<>();
        rewritten.add("x".repeat(99));
        rewritten.addAll(lines("rewritten line ", 300));
        rewrite(app, rewritten);
        pollToTheEnd(h);
        List<String> expected = new ArrayList<>(lines("grown line ", 200));
        expected.addAll(rewritten);
        assertEquals(expected, messages(), "noticed by bytes 100-1023, read again from 0");
    }
}
