package io.logpipe.shipper.multiline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.shipper.config.MultilineConfig;
import io.logpipe.shipper.event.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Multiline grouping, case by case as Filebeat 7 documents and produces it. */
class LineGrouperTest {
    private final List<Message> out = new ArrayList<>();

    private static MultilineConfig pattern(String regex, boolean negate, MultilineConfig.Match match) {
        return new MultilineConfig(MultilineConfig.Type.PATTERN, Pattern.compile(regex), negate, match, 500,
                Duration.ofSeconds(5), null, 0, 10 << 20);
    }

    private List<String> feed(LineGrouper g, String... lines) {
        long offset = 0;
        for (String l : lines) {
            long end = offset + l.length() + 1;
            g.add(new Line(l, offset, end, false), out::add);
            offset = end;
        }
        g.flush(out::add);
        List<String> texts = new ArrayList<>();
        for (Message m : out) {
            texts.add(m.text());
        }
        return texts;
    }

    @Test
    void javaStackTraceJoinsEverythingThatDoesNotStartWithADate() {
        LineGrouper g = LineGrouper.of(pattern("^\\d{4}-\\d{2}-\\d{2}", true, MultilineConfig.Match.AFTER), 0);
        List<String> events = feed(g,
                "2024-01-01 10:00:00 INFO started",
                "2024-01-01 10:00:01 ERROR failed",
                "java.lang.IllegalStateException: boom",
                "\tat com.example.A.run(A.java:10)",
                "\tat java.base/java.lang.Thread.run(Thread.java:833)",
                "Caused by: java.io.IOException: disk",
                "\t... 3 more",
                "2024-01-01 10:00:02 INFO recovered");
        assertEquals(List.of(
                "2024-01-01 10:00:00 INFO started",
                "2024-01-01 10:00:01 ERROR failed\njava.lang.IllegalStateException: boom\n"
                        + "\tat com.example.A.run(A.java:10)\n\tat java.base/java.lang.Thread.run(Thread.java:833)\n"
                        + "Caused by: java.io.IOException: disk\n\t... 3 more",
                "2024-01-01 10:00:02 INFO recovered"), events);
        assertEquals(0, out.get(0).flags());
        assertEquals(Event.FLAG_MULTILINE, out.get(1).flags());
        assertEquals(out.get(1).offset(), out.get(0).endOffset(), "offsets are contiguous");
        assertEquals(out.get(2).offset(), out.get(1).endOffset());
    }

    @Test
    void continuationLinesStartingWithWhitespaceOrCausedByJoinThePreviousLine() {
        // The Filebeat docs' Java example: '^[[:space:]]+(at|\.{3})[[:space:]]+\b|^Caused by:', negate false, after
        LineGrouper g = LineGrouper.of(pattern("^\\s+(at|\\.{3})\\s+\\b|^Caused by:", false,
                MultilineConfig.Match.AFTER), 0);
        List<String> events = feed(g,
                "Exception in thread \"main\" java.lang.IllegalStateException: A book has a null property",
                "       at com.example.myproject.Author.getBookIds(Author.java:38)",
                "       at com.example.myproject.Bootstrap.main(Bootstrap.java:14)",
                "Caused by: java.lang.NullPointerException",
                "       ... 1 more",
                "next event");
        assertEquals(2, events.size());
        assertEquals(5, events.get(0).split("\n").length);
        assertEquals("next event", events.get(1));
    }

    @Test
    void digitStartedLinesBeginEvents() {
        LineGrouper g = LineGrouper.of(pattern("^\\d", true, MultilineConfig.Match.AFTER), 0);
        assertEquals(List.of("continuation before any start", "1 a\n  b\n  c", "2 d"),
                feed(g, "continuation before any start", "1 a", "  b", "  c", "2 d"));
    }

    @Test
    void matchBeforeJoinsLinesEndingInABackslashWithTheNextOne() {
        LineGrouper g = LineGrouper.of(pattern("\\\\$", false, MultilineConfig.Match.BEFORE), 0);
        assertEquals(List.of("printf(\"%d\", \\\n  x);", "single"),
                feed(g, "printf(\"%d\", \\", "  x);", "single"));
    }

    @Test
    void negatedBeforeCollectsUntilAnEndMarker() {
        // lines not ending in ';' continue into the next one
        LineGrouper g = LineGrouper.of(pattern(";$", true, MultilineConfig.Match.BEFORE), 0);
        assertEquals(List.of("SELECT *\nFROM t\nWHERE a = 1;", "COMMIT;"),
                feed(g, "SELECT *", "FROM t", "WHERE a = 1;", "COMMIT;"));
    }

    @Test
    void maxLinesDropsTheRestButKeepsConsumingAndFlagsTheEvent() {
        MultilineConfig c = new MultilineConfig(MultilineConfig.Type.PATTERN, Pattern.compile("^\\s"), false,
                MultilineConfig.Match.AFTER, 3, Duration.ofSeconds(5), null, 0, 10 << 20);
        LineGrouper g = LineGrouper.of(c, 0);
        List<String> events = feed(g, "start", " 1", " 2", " 3", " 4", "next");
        assertEquals(List.of("start\n 1\n 2", "next"), events);
        assertEquals(Event.FLAG_TRUNCATED | Event.FLAG_MULTILINE, out.get(0).flags());
        assertEquals(out.get(1).offset(), out.get(0).endOffset(), "dropped lines are still consumed");
    }

    @Test
    void maxBytesCutsTheJoinedEvent() {
        MultilineConfig c = new MultilineConfig(MultilineConfig.Type.PATTERN, Pattern.compile("^\\s"), false,
                MultilineConfig.Match.AFTER, 500, Duration.ofSeconds(5), null, 0, 10);
        List<String> events = feed(LineGrouper.of(c, 10), "abcdef", " ghijk", " lmn");
        assertEquals(List.of("abcdef\n gh"), events);
        assertTrue((out.get(0).flags() & Event.FLAG_TRUNCATED) != 0);
    }

    @Test
    void flushPatternEndsTheEvent() {
        MultilineConfig c = new MultilineConfig(MultilineConfig.Type.PATTERN, Pattern.compile("^Start"), true,
                MultilineConfig.Match.AFTER, 500, Duration.ofSeconds(5), Pattern.compile("^End"), 0, 10 << 20);
        assertEquals(List.of("Start new event\nline\nEnd event", "stray line", "Start again\nx"),
                feed(LineGrouper.of(c, 0), "Start new event", "line", "End event", "stray line", "Start again", "x"));
    }

    @Test
    void countGroupsAFixedNumberOfLines() {
        MultilineConfig c = new MultilineConfig(MultilineConfig.Type.COUNT, null, false, MultilineConfig.Match.AFTER,
                500, Duration.ofSeconds(5), null, 3, 10 << 20);
        assertEquals(List.of("a\nb\nc", "d\ne\nf", "g"), feed(LineGrouper.of(c, 0), "a", "b", "c", "d", "e", "f", "g"));
    }

    @Test
    void whilePatternGroupsConsecutiveMatchingLines() {
        MultilineConfig c = new MultilineConfig(MultilineConfig.Type.WHILE_PATTERN, Pattern.compile("^\\s"), false,
                MultilineConfig.Match.AFTER, 500, Duration.ofSeconds(5), null, 0, 10 << 20);
        assertEquals(List.of("head", " a\n b", "mid", " c"), feed(LineGrouper.of(c, 0), "head", " a", " b", "mid", " c"));
    }

    @Test
    void aPendingEventIsFlushedAfterTheTimeout() {
        MultilineConfig c = new MultilineConfig(MultilineConfig.Type.PATTERN, Pattern.compile("^\\s"), false,
                MultilineConfig.Match.AFTER, 500, Duration.ofMillis(50), null, 0, 10 << 20);
        LineGrouper g = LineGrouper.of(c, 0);
        long beforeAdding = System.nanoTime();
        g.add(new Line("first", 0, 6, false), out::add);
        g.add(new Line(" cont", 6, 12, false), out::add);
        long afterAdding = System.nanoTime();
        g.tick(beforeAdding, out::add);
        assertTrue(out.isEmpty(), "not before the timeout");
        assertTrue(g.pending());
        g.tick(afterAdding + Duration.ofMillis(50).toNanos(), out::add); // what a tick 50 ms later sees
        assertEquals(1, out.size());
        assertEquals("first\n cont", out.get(0).text());
        assertEquals(12, out.get(0).endOffset());
        assertFalse(g.pending());
    }
}
