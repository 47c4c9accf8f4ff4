package io.logpipe.common.time;

import java.time.ZoneOffset;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.format.SignStyle;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalField;
import java.util.Locale;

/**
 * Joda-Time date patterns, as Logstash users write them ({@code %{+YYYY.MM.dd}}, a date filter's
 * {@code "dd/MMM/yyyy:HH:mm:ss Z"}, a retention rule's {@code yyyy.MM.dd.HH}), turned into java.time formatters
 * with Joda's meaning.
 *
 * <p>The letters mostly coincide, but not all: in Joda {@code Y} is the year of era and {@code x} the ISO week-year,
 * while in java.time {@code Y} is a week-based year. Translating letter by letter would put the last days of December
 * into next year's index, so every letter is mapped to the field Joda means. Weeks are ISO weeks (Joda's ISO
 * chronology). Formatters print and parse in UTC with English names, as Logstash does.
 */
public final class JodaPattern {
    private JodaPattern() {
    }

    /** The formatter for a Joda pattern; throws IllegalArgumentException naming the offending letter. */
    public static DateTimeFormatter formatter(String pattern) {
        DateTimeFormatterBuilder builder = new DateTimeFormatterBuilder().parseCaseInsensitive();
        int i = 0;
        while (i < pattern.length()) {
            char c = pattern.charAt(i);
            if (c == '\'') {
                i = appendQuoted(pattern, i, builder);
            } else if (isLetter(c)) {
                int run = i;
                while (run < pattern.length() && pattern.charAt(run) == c) {
                    run++;
                }
                appendField(builder, c, run - i, pattern);
                i = run;
            } else {
                builder.appendLiteral(c);
                i++;
            }
        }
        if (pattern.indexOf('Y') >= 0 && pattern.indexOf('G') < 0) {
            // A year of era resolves to a date only with its era (strict resolution): Joda assumes AD.
            builder.parseDefaulting(ChronoField.ERA, 1);
        }
        return builder.toFormatter(Locale.ENGLISH)
                .withChronology(IsoChronology.INSTANCE)
                .withResolverStyle(ResolverStyle.STRICT)
                .withZone(ZoneOffset.UTC);
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** A quoted literal starting at {@code start}; {@code ''} is a quote. Returns the index after it. */
    private static int appendQuoted(String pattern, int start, DateTimeFormatterBuilder builder) {
        if (start + 1 < pattern.length() && pattern.charAt(start + 1) == '\'') {
            builder.appendLiteral('\'');
            return start + 2;
        }
        StringBuilder literal = new StringBuilder();
        int i = start + 1;
        while (i < pattern.length()) {
            char c = pattern.charAt(i);
            if (c == '\'') {
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '\'') {
                    literal.append('\'');
                    i += 2;
                    continue;
                }
                builder.appendLiteral(literal.toString());
                return i + 1;
            }
            literal.append(c);
            i++;
        }
        throw new IllegalArgumentException("unterminated quote in date pattern '" + pattern + "'");
    }

    private static void appendField(DateTimeFormatterBuilder builder, char letter, int count, String pattern) {
        switch (letter) {
            case 'G' -> builder.appendText(ChronoField.ERA, TextStyle.SHORT);
            case 'Y' -> appendYear(builder, ChronoField.YEAR_OF_ERA, count);
            case 'y' -> appendYear(builder, ChronoField.YEAR, count);
            case 'x' -> appendYear(builder, IsoFields.WEEK_BASED_YEAR, count);
            case 'w' -> appendNumber(builder, IsoFields.WEEK_OF_WEEK_BASED_YEAR, count);
            case 'e' -> appendNumber(builder, ChronoField.DAY_OF_WEEK, count);
            case 'E' -> builder.appendText(ChronoField.DAY_OF_WEEK, count >= 4 ? TextStyle.FULL : TextStyle.SHORT);
            case 'D' -> appendNumber(builder, ChronoField.DAY_OF_YEAR, count);
            case 'M' -> {
                if (count >= 3) {
                    builder.appendText(ChronoField.MONTH_OF_YEAR, count >= 4 ? TextStyle.FULL : TextStyle.SHORT);
                } else {
                    appendNumber(builder, ChronoField.MONTH_OF_YEAR, count);
                }
            }
            case 'd' -> appendNumber(builder, ChronoField.DAY_OF_MONTH, count);
            case 'a' -> builder.appendText(ChronoField.AMPM_OF_DAY, TextStyle.SHORT);
            case 'K' -> appendNumber(builder, ChronoField.HOUR_OF_AMPM, count);
            case 'h' -> appendNumber(builder, ChronoField.CLOCK_HOUR_OF_AMPM, count);
            case 'H' -> appendNumber(builder, ChronoField.HOUR_OF_DAY, count);
            case 'k' -> appendNumber(builder, ChronoField.CLOCK_HOUR_OF_DAY, count);
            case 'm' -> appendNumber(builder, ChronoField.MINUTE_OF_HOUR, count);
            case 's' -> appendNumber(builder, ChronoField.SECOND_OF_MINUTE, count);
            case 'S' -> builder.appendFraction(ChronoField.NANO_OF_SECOND, count, count, false);
            case 'z' -> builder.appendZoneText(count >= 4 ? TextStyle.FULL : TextStyle.SHORT);
            case 'Z' -> {
                // Joda: Z prints +0000, ZZ prints +00:00, ZZZ prints the zone id.
                if (count == 1) {
                    builder.appendOffset("+HHMM", "+0000");
                } else if (count == 2) {
                    builder.appendOffset("+HH:MM", "+00:00");
                } else {
                    builder.appendZoneId();
                }
            }
            default -> throw new IllegalArgumentException("date pattern '" + pattern + "': the letter '" + letter
                    + "' is not a Joda-Time pattern letter we support (quote literal text with 'single quotes')");
        }
    }

    private static void appendYear(DateTimeFormatterBuilder builder, TemporalField field, int count) {
        if (count == 2) {
            builder.appendValueReduced(field, 2, 2, 2000);
        } else {
            builder.appendValue(field, count, 9, count >= 4 ? SignStyle.EXCEEDS_PAD : SignStyle.NORMAL);
        }
    }

    private static void appendNumber(DateTimeFormatterBuilder builder, TemporalField field, int count) {
        if (count == 1) {
            builder.appendValue(field);
        } else {
            builder.appendValue(field, count);
        }
    }
}
