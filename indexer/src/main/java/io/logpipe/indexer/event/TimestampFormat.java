package io.logpipe.indexer.event;

import io.logpipe.indexer.time.JodaPattern;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * A {@code %{+pattern}} formatter (Joda pattern, UTC) with a one-entry cache: the events of one batch mostly share a
 * second, let alone a day, so the previous event's index name is usually the answer again.
 */
final class TimestampFormat {
    private final DateTimeFormatter formatter;
    private final boolean cacheable;
    private volatile Cached last;

    private record Cached(long fromMillis, long toMillis, String text) {
    }

    private TimestampFormat(DateTimeFormatter formatter, boolean cacheable) {
        this.formatter = formatter;
        this.cacheable = cacheable;
    }

    static TimestampFormat of(String jodaPattern) {
        // Fractions of a second ('S') change within a second, so such patterns are formatted every time.
        return new TimestampFormat(JodaPattern.formatter(jodaPattern), jodaPattern.indexOf('S') < 0);
    }

    String format(Instant timestamp) {
        if (!cacheable) {
            return formatter.format(timestamp);
        }
        long millis = timestamp.toEpochMilli();
        Cached cached = last;
        if (cached != null && millis >= cached.fromMillis && millis < cached.toMillis) {
            return cached.text;
        }
        String text = formatter.format(timestamp);
        long second = Math.floorDiv(millis, 1000) * 1000;
        last = new Cached(second, second + 1000, text);
        return text;
    }
}
