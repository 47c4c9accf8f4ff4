package io.logpipe.common.time;

import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * The formatter of a template's {@code %{+pattern}} (Joda pattern, UTC) that formats each period of its pattern once:
 * a pattern down to the day ({@code YYYY.MM.dd}, the usual index suffix) gives the same text for a whole UTC day. A
 * few recent periods are kept, because a batch interleaves partitions that can be at different days.
 */
public final class TimestampFormat {
    private static final int CACHED_PERIODS = 8;
    private final DateTimeFormatter formatter;
    /** Length of the pattern's smallest unit in milliseconds; 0 when it prints fractions of a second. */
    private final long periodMillis;
    private final Cached[] cache = new Cached[CACHED_PERIODS];

    private record Cached(long period, String text) {
    }

    private TimestampFormat(DateTimeFormatter formatter, long periodMillis) {
        this.formatter = formatter;
        this.periodMillis = periodMillis;
    }

    public static TimestampFormat of(String jodaPattern) {
        return new TimestampFormat(JodaPattern.formatter(jodaPattern), periodMillis(jodaPattern));
    }

    /**
     * The unit below which the text cannot change. Letters inside quoted literals count too: that only makes the
     * period shorter than it could be, never wrong.
     */
    static long periodMillis(String jodaPattern) {
        if (jodaPattern.indexOf('S') >= 0) {
            return 0;
        }
        if (jodaPattern.indexOf('s') >= 0) {
            return 1000;
        }
        if (jodaPattern.indexOf('m') >= 0) {
            return 60_000;
        }
        for (char hourly : new char[] {'H', 'h', 'k', 'K', 'a'}) {
            if (jodaPattern.indexOf(hourly) >= 0) {
                return 3_600_000;
            }
        }
        return 86_400_000; // years, months, weeks, days: constant over a UTC day
    }

    public String format(Instant timestamp) {
        if (periodMillis == 0) {
            return formatter.format(timestamp);
        }
        long period = Math.floorDiv(timestamp.toEpochMilli(), periodMillis);
        int slot = (int) Math.floorMod(period, (long) CACHED_PERIODS);
        Cached cached = cache[slot];
        if (cached != null && cached.period == period) {
            return cached.text;
        }
        String text = formatter.format(timestamp);
        // Workers share the cache: a racing write only costs the other one a format.
        cache[slot] = new Cached(period, text);
        return text;
    }
}
