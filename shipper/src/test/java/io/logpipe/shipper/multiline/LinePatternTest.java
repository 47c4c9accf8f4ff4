package io.logpipe.shipper.multiline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.shipper.config.MultilineConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The literal-prefix check answers exactly as the regex's find() does; other patterns keep the regex engine. */
class LinePatternTest {
    /** Lines chosen to sit on the edges of the patterns below: empty, one character, whitespace of every kind. */
    private static final List<String> LINES = List.of(
            "", "[", "[[", "]", " [", "[2024-01-01 10:00:00] INFO", "\\[", "x[", "\t", " ", "\u000B", "\f", "\r", "\n",
            "\u00A0no-break space", "\u2028line separator", "\u3000ideographic space", "\u0085next line",
            "\tat com.example.A.run(A.java:10)", "    at x", "Caused by: java.io.IOException", "Caused by:", "Caused by",
            "caused by: lower case", "2024-01-01 10:00:00 INFO", "2024-1-01", "2024-01-0", "２０２４-01-01 full-width",
            "\uD83D\uDE00 emoji", "...", ".", "a.b", "a-b", "#comment", "- item", "}", "{", "\u0000nul", "é",
            "10.0.0.1 - - [01/Dec/2026]", "1.2.3.4", "123.45.", "1234.5.", ".1.", "12x", "123x", "1234x", "12345x",
            "123456x", "b", "ab", "aab", "aaab", "12-", "123-", "12345-", "1", "12", "123");

    private static final List<String> PREFIX_PATTERNS = List.of(
            "^\\[", "^[\\s]", "^\\s", "^[ \\t]", "^\\s+", "^[\\s]+.*", "^Caused by:", "^\\d{4}-\\d{2}-\\d{2}",
            "^[0-9]{4}-[0-9]{2}", "^\\.\\.\\.", "^\\t", "^#", "^- ", "^[a-zA-Z_]", "^\\}", "^[{}]", "^\\[.*",
            "^\\d{1,3}\\.\\d{1,3}\\.", "^a{0,2}b", "^\\d{1,3}\\d{2}x", "^[0-9]{2,4}-", "^\\d{3,3}", "^\\d{0,2}1");

    private static final List<String> REGEX_PATTERNS = List.of(
            "\\[", "^$", "^\\s*$", "^\\s+(at|\\.{3})\\s+\\b|^Caused by:", "^[^\\s]", "^\\s+at", "^a*", "^a?b",
            "^\\d{4,}", "^\\d{2}+", "^\\d{1,3}?x", "^\\d{1,3}+x", "^\\d{40,60}\\d{10}", "^\\s++", "^\\s+?", "^.", "^(?:\\[)", "(?i)^caused", "^\\w", "^[a-]",
            "^[[a]]", "^[a&&b]", "^\\Qab\\E", "^é", "^\\x41", "^.*");

    @Test
    void anchoredLiteralPrefixesUseTheTableAndAnswerAsTheRegexDoes() {
        for (String p : PREFIX_PATTERNS) {
            LinePattern lp = LinePattern.of(Pattern.compile(p));
            assertTrue(lp.isPrefix(), p + " is a literal prefix");
            assertSameAsRegex(p, lp);
        }
    }

    @Test
    void everythingElseKeepsTheRegexEngine() {
        for (String p : REGEX_PATTERNS) {
            LinePattern lp = LinePattern.of(Pattern.compile(p));
            assertFalse(lp.isPrefix(), p + " is not a literal prefix");
            assertSameAsRegex(p, lp);
        }
        assertFalse(LinePattern.of(Pattern.compile("^\\[", Pattern.CASE_INSENSITIVE)).isPrefix(), "flags");
    }

    @Test
    void aPrefixPatternGroupsTrickyLinesExactlyAsTheSameRegexRunByTheEngine() {
        List<String> lines = new ArrayList<>(LINES);
        lines.addAll(List.of("[a]", "continued", " [b]", "[c]", "", "[", "\t[", "[d]"));
        for (MultilineConfig.Type type : List.of(MultilineConfig.Type.PATTERN, MultilineConfig.Type.WHILE_PATTERN)) {
            for (boolean negate : new boolean[] {false, true}) {
                for (MultilineConfig.Match match : MultilineConfig.Match.values()) {
                    String how = type + ", negate " + negate + ", match " + match;
                    // (?:^\[) means the same as ^\[ but is not recognized as a prefix: the regex engine decides it
                    assertEquals(group(type, "(?:^\\[)", negate, match, lines),
                            group(type, "^\\[", negate, match, lines), how);
                    assertEquals(group(type, "(?:^[\\s])", negate, match, lines),
                            group(type, "^[\\s]", negate, match, lines), how);
                }
            }
        }
    }

    private static void assertSameAsRegex(String p, LinePattern lp) {
        Pattern regex = Pattern.compile(p);
        for (String line : LINES) {
            assertEquals(regex.matcher(line).find(), lp.find(line), p + " on '" + line + "'");
        }
    }

    private static List<Message> group(MultilineConfig.Type type, String regex, boolean negate,
                                       MultilineConfig.Match match, List<String> lines) {
        LineGrouper g = LineGrouper.of(new MultilineConfig(type, Pattern.compile(regex), negate, match, 500, Duration.ofSeconds(5), Pattern.compile("^\\[d"), 0, 10 << 20), 0);
        List<Message> out = new ArrayList<>();
        long offset = 0;
        for (String l : lines) {
            long end = offset + l.length() + 1;
            g.add(new Line(l, offset, end, false), out::add);
            offset = end;
        }
        g.flush(out::add);
        return out;
    }
}
