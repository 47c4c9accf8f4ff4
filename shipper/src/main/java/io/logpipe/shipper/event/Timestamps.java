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
    private byte[] cachedBytes;
    private long cachedBytesSecond = Long.MIN_VALUE;

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

    /** The same as {@link #format}, as ASCII bytes without the quotes, appended to {@code out}. */
    void write(long millis, JsonBytes out) {
        long second = Math.floorDiv(millis, 1000);
        if (second != cachedBytesSecond) {
            cachedBytes = (SECONDS.format(Instant.ofEpochSecond(second)) + ".000Z").getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII);
            cachedBytesSecond = second;
        }
        int n = cachedBytes.length;
        byte[] b = out.reserve(n);
        int p = out.position();
        System.arraycopy(cachedBytes, 0, b, p, n);
        int ms = (int) Math.floorMod(millis, 1000);
        p += n - 4;
        b[p] = (byte) ('0' + ms / 100);
        b[p + 1] = (byte) ('0' + ms / 10 % 10);
        b[p + 2] = (byte) ('0' + ms % 10);
        out.advance(n);
    }
}
