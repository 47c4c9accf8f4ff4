package io.logpipe.console.search;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A search's time range, {@code from <= @timestamp <= to}, from what Kibana's time picker sends: an ISO instant, epoch
 * milliseconds, {@code now} or {@code now-15m} (s, m, h, d, w). The histogram's interval is the smallest round one that
 * gives at most {@link #MAX_BUCKETS} buckets.
 */
public record TimeRange(Instant from, Instant to) {
    public static final int MAX_BUCKETS = 120;
    private static final Pattern RELATIVE = Pattern.compile("now(?:-(\\d+)([smhdw]))?");
    private static final List<Duration> INTERVALS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5),
            Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(3),
            Duration.ofHours(12), Duration.ofDays(1), Duration.ofDays(7), Duration.ofDays(30));

    public TimeRange {
        if (from.isAfter(to)) {
            throw new IllegalArgumentException("the time range starts (" + from + ") after it ends (" + to + ")");
        }
    }

    public static TimeRange parse(String from, String to, Instant clockNow) {
        Instant now = clockNow.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        return new TimeRange(instant(from == null ? "now-15m" : from, now), instant(to == null ? "now" : to, now));
    }

    static Instant instant(String text, Instant now) {
        String t = text.trim();
        Matcher m = RELATIVE.matcher(t);
        if (m.matches()) {
            if (m.group(1) == null) {
                return now;
            }
            long n = Long.parseLong(m.group(1));
            Duration unit = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(1);
                case "m" -> Duration.ofMinutes(1);
                case "h" -> Duration.ofHours(1);
                case "d" -> Duration.ofDays(1);
                default -> Duration.ofDays(7);
            };
            return now.minus(unit.multipliedBy(n));
        }
        if (t.matches("\\d{10,}")) {
            return Instant.ofEpochMilli(Long.parseLong(t));
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("time '" + text + "' is not an ISO instant (2026-01-31T10:00:00Z), "
                    + "epoch milliseconds or now-15m (s, m, h, d, w)");
        }
    }

    public Duration interval() {
        Duration span = Duration.between(from, to);
        for (Duration d : INTERVALS) {
            if (span.toMillis() / d.toMillis() < MAX_BUCKETS) {
                return d;
            }
        }
        return INTERVALS.get(INTERVALS.size() - 1);
    }
}
