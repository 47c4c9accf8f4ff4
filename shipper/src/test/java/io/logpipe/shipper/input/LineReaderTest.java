package io.logpipe.shipper.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.shipper.multiline.Line;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a file's bytes become lines: only complete lines, CRLF, overlong lines, invalid bytes, encodings. */
class LineReaderTest {
    @TempDir
    Path dir;

    private final List<Line> lines = new ArrayList<>();

    private void append(Path f, byte[] bytes) throws Exception {
        Files.write(f, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private void readAll(LineReader r) throws Exception {
        while (r.read(lines::add) > 0) {
            // until end of file
        }
    }

    @Test
    void aPartialLastLineWaitsForItsNewline() throws Exception {
        Path f = dir.resolve("a.log");
        append(f, "one\ntw".getBytes(StandardCharsets.UTF_8));
        try (FileChannel ch = FileChannel.open(f)) {
            LineReader r = new LineReader(ch, StandardCharsets.UTF_8, 1000, 4, 0);
            readAll(r);
            assertEquals(1, lines.size());
            assertEquals(4, r.lineOffset(), "resume point is after the last complete line");
            append(f, "o\nthree\n".getBytes(StandardCharsets.UTF_8));
            readAll(r);
        }
        assertEquals(List.of(new Line("one", 0, 4, false), new Line("two", 4, 8, false),
                new Line("three", 8, 14, false)), lines);
    }

    @Test
    void crlfLosesItsCarriageReturnButOffsetsCountIt() throws Exception {
        Path f = dir.resolve("a.log");
        append(f, "a\r\nb\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        try (FileChannel ch = FileChannel.open(f)) {
            readAll(new LineReader(ch, StandardCharsets.UTF_8, 1000, 16384, 0));
        }
        assertEquals(List.of(new Line("a", 0, 3, false), new Line("b", 3, 6, false), new Line("", 6, 8, false)), lines);
    }

    @Test
    void linesOverMaxBytesAreCutAndFlaggedAndTheNextLineIsIntact() throws Exception {
        Path f = dir.resolve("a.log");
        String longLine = "x".repeat(100);
        append(f, (longLine + "\nshort\n" + "é".repeat(10) + "\n").getBytes(StandardCharsets.UTF_8));
        try (FileChannel ch = FileChannel.open(f)) {
            // a buffer smaller than the line: the line straddles many reads
            readAll(new LineReader(ch, StandardCharsets.UTF_8, 9, 7, 0));
        }
        assertEquals(new Line("x".repeat(9), 0, 101, true), lines.get(0));
        assertEquals(new Line("short", 101, 107, false), lines.get(1));
        // 9 bytes would split the 5th two-byte 'é': cut before it instead
        assertEquals("éééé", lines.get(2).text());
        assertTrue(lines.get(2).truncated());
        assertEquals(107 + 21, lines.get(2).endOffset());
    }

    @Test
    void invalidUtf8IsReplacedNotDropped() throws Exception {
        Path f = dir.resolve("a.log");
        append(f, new byte[] {'o', 'k', (byte) 0xff, (byte) 0xc3, '!', '\n', 'n', 'e', 'x', 't', '\n'});
        try (FileChannel ch = FileChannel.open(f)) {
            readAll(new LineReader(ch, StandardCharsets.UTF_8, 1000, 16384, 0));
        }
        assertEquals("ok\uFFFD\uFFFD!", lines.get(0).text());
        assertEquals("next", lines.get(1).text());
        assertFalse(lines.get(0).truncated());
    }

    @Test
    void startsAtAGivenOffset() throws Exception {
        Path f = dir.resolve("a.log");
        append(f, "one\ntwo\n".getBytes(StandardCharsets.UTF_8));
        try (FileChannel ch = FileChannel.open(f)) {
            readAll(new LineReader(ch, StandardCharsets.UTF_8, 1000, 16384, 4));
        }
        assertEquals(List.of(new Line("two", 4, 8, false)), lines);
    }

    @Test
    void latin1AndUtf16AreDecoded() throws Exception {
        Path f = dir.resolve("latin1.log");
        append(f, "café\r\n".getBytes(StandardCharsets.ISO_8859_1));
        try (FileChannel ch = FileChannel.open(f)) {
            readAll(new LineReader(ch, StandardCharsets.ISO_8859_1, 1000, 16384, 0));
        }
        Path g = dir.resolve("utf16.log");
        Charset le = StandardCharsets.UTF_16LE;
        append(g, "ünï\r\n".getBytes(le));
        append(g, "line two\n".getBytes(le));
        try (FileChannel ch = FileChannel.open(g)) {
            readAll(new LineReader(ch, le, 1000, 5, 0));
        }
        assertEquals(List.of(new Line("café", 0, 6, false), new Line("ünï", 0, 10, false),
                new Line("line two", 10, 28, false)), lines);
    }

    @Test
    void linesKeptAsBytesAreTheLinesDecodingWouldGive() throws Exception {
        Path f = dir.resolve("a.log");
        byte[] bytes = ("a\r\n\"q\"\tz\n" + "x".repeat(20) + "\nééééé\nbad \u0000 ").getBytes(StandardCharsets.UTF_8);
        append(f, bytes);
        append(f, new byte[] {(byte) 0xC0, (byte) 0x80, (byte) 0xFF, '\n', 'e', 'n', 'd', '\n'});
        List<Line> decoded = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(f)) {
            LineReader r = new LineReader(ch, StandardCharsets.UTF_8, 9, 7, 0);
            while (r.read(decoded::add) > 0) {
                // until end of file
            }
        }
        try (FileChannel ch = FileChannel.open(f)) {
            LineReader r = new LineReader(ch, StandardCharsets.UTF_8, 9, 7, 0);
            r.keepBytes(true);
            readAll(r);
        }
        assertEquals(6, lines.size());
        assertEquals(decoded, lines, "texts, offsets and truncation flags");
        assertEquals("\"q\"\tz", lines.get(1).text());
        assertEquals("bad \u0000 \uFFFD\uFFFD\uFFFD", lines.get(4).text(), "malformed bytes decode to U+FFFD");
    }
}
