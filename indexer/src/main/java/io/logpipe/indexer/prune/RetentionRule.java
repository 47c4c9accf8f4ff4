package io.logpipe.indexer.prune;

import io.logpipe.common.config.Units;
import io.logpipe.common.time.JodaPattern;
import io.logpipe.indexer.es.ElasticsearchConnection;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAccessor;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One retention rule: indices named by {@code pattern}, whose last {@code *} is a date in {@code dateFormat}
 * (Joda style, UTC, as the indexer writes {@code %{+YYYY.MM.dd}}), are kept for {@code keep}, and, when
 * {@code maxSizeBytes} is positive ({@code max_size: 50gb}), only while all of them together stay under it: past it
 * the oldest go first.
 */
public record RetentionRule(String name, String pattern, String dateFormat, Duration keep,
                            ElasticsearchConnection connection, long maxSizeBytes) {
    /** {@link #maxSizeBytes()} when the rule has no size limit. */
    public static final long NO_SIZE_LIMIT = -1;

    public RetentionRule(String name, String pattern, String dateFormat, Duration keep,
            ElasticsearchConnection connection) {
        this(name, pattern, dateFormat, keep, connection, NO_SIZE_LIMIT);
    }

    public RetentionRule {
        if (pattern == null || !pattern.endsWith("*")) {
            throw new IllegalArgumentException("pattern '" + pattern + "' must end with '*', where the date goes "
                    + "(e.g. nginx.access-*)");
        }
        if (pattern.startsWith("*") && pattern.length() <= 2) {
            throw new IllegalArgumentException("pattern '" + pattern + "' matches every index; name a prefix");
        }
        JodaPattern.formatter(dateFormat);
        if (keep.isNegative() || keep.isZero()) {
            throw new IllegalArgumentException("keep must be more than zero");
        }
    }

    /** An index's date: when its period starts, and how long a period is (from the format's finest field). */
    public record IndexDate(String suffix, Instant start, ChronoUnit period) {
    }

    /** Where a name stands against this rule: not ours, ours with a date, or ours with a suffix that is no date. */
    public sealed interface Match permits NotMatching, Dated, Undated {
    }

    public record NotMatching() implements Match {
    }

    public record Dated(IndexDate date) implements Match {
    }

    public record Undated(String suffix, String reason) implements Match {
    }

    public Match match(String index) {
        Matcher m = regex().matcher(index);
        if (!m.matches()) {
            return new NotMatching();
        }
        String suffix = m.group("date");
        try {
            return new Dated(parse(suffix));
        } catch (DateTimeParseException | ArithmeticException e) {
            return new Undated(suffix, "suffix '" + suffix + "' is not a date in the format " + dateFormat);
        }
    }

    /** The moment before which a period must start for its index to go. */
    public Instant cutoff(Instant now) {
        return now.minus(keep);
    }

    /** Every '*' but the last is any text (greedy), so the last one takes the shortest suffix: the date. */
    private Pattern regex() {
        StringBuilder regex = new StringBuilder();
        int last = pattern.lastIndexOf('*');
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*') {
                regex.append(Pattern.quote(literal.toString()));
                literal.setLength(0);
                regex.append(i == last ? "(?<date>.+)" : ".*");
            } else {
                literal.append(c);
            }
        }
        return Pattern.compile(regex.toString());
    }

    private IndexDate parse(String suffix) {
        TemporalAccessor parsed = JodaPattern.formatter(dateFormat).parse(suffix);
        LocalDateTime start;
        if (parsed.isSupported(ChronoField.EPOCH_DAY)) {
            start = parsed.isSupported(ChronoField.NANO_OF_DAY) ? LocalDateTime.from(parsed) : LocalDate.from(parsed).atStartOfDay();
        } else if (parsed.isSupported(ChronoField.MONTH_OF_YEAR)) {
            start = LocalDate.of(parsed.get(ChronoField.YEAR), parsed.get(ChronoField.MONTH_OF_YEAR), 1).atStartOfDay();
        } else if (parsed.isSupported(ChronoField.YEAR)) {
            start = LocalDate.of(parsed.get(ChronoField.YEAR), 1, 1).atStartOfDay();
        } else {
            throw new DateTimeParseException("no year in '" + suffix + "'", suffix, 0);
        }
        return new IndexDate(suffix, start.toInstant(ZoneOffset.UTC), period());
    }

    /** How long one index covers: the finest field of the date format (letters in quotes are text, not fields). */
    private ChronoUnit period() {
        String fields = dateFormat.replaceAll("'[^']*'", "");
        if (fields.indexOf('m') >= 0) {
            return ChronoUnit.MINUTES;
        }
        if (fields.matches(".*[HkhK].*")) {
            return ChronoUnit.HOURS;
        }
        if (fields.matches(".*[dDeE].*")) {
            return ChronoUnit.DAYS;
        }
        if (fields.indexOf('w') >= 0) {
            return ChronoUnit.WEEKS;
        }
        return fields.indexOf('M') >= 0 ? ChronoUnit.MONTHS : ChronoUnit.YEARS;
    }

    /** For audit lines. */
    public String describe() {
        return name + " (" + pattern + ", date " + dateFormat + ", keep " + Age.format(keep)
                + (maxSizeBytes > 0 ? ", max_size " + formatSize(maxSizeBytes) : "") + ")";
    }

    /** A size such as {@code 50gb}, {@code 500mb}, {@code 2tb} or a number of bytes: the one size syntax. */
    public static long parseSize(String text) {
        return Units.bytes(text);
    }

    static String formatSize(long bytes) {
        String[] units = {"b", "kb", "mb", "gb", "tb"};
        int unit = 0;
        while (unit < units.length - 1 && bytes % 1024 == 0 && bytes >= 1024) {
            bytes /= 1024;
            unit++;
        }
        return bytes + units[unit];
    }

    static Optional<String> nonBlank(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
    }
}
