package io.logpipe.shipper.event;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Formats epoch milliseconds as {@code 2006-01-02T15:04:05.000Z}, caching the part up to the second. */
final class Timestamps {
    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    private long cachedSecond = Long.MIN_VALUE;
    private String cachedPrefix;

    String format(long millis) {
        long second = Math.floorDiv(millis, 1000);
        if (second != cachedSecond) {
            cachedPrefix = SECONDS.format(Instant.ofEpochSecond(second));
            cachedSecond = second;
        }
        int ms = (int) Math.floorMod(millis, 1000);
        char[] tail = {'.', (char) ('0' + ms / 100), (char) ('0' + ms / 10 % 10), (char) ('0' + ms % 10), 'Z'};
        return cachedPrefix + new String(tail);
    }
}
