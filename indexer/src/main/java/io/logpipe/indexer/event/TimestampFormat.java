package io.logpipe.indexer.event;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A {@code %{+pattern}} formatter. TEMPORARY: translates the pattern with java.time's own letters until the shared
 * io.logpipe.indexer.time.JodaPattern (Logstash's Joda semantics) is merged; then this delegates to it.
 */
final class TimestampFormat {
    private final DateTimeFormatter formatter;

    private TimestampFormat(DateTimeFormatter formatter) {
        this.formatter = formatter;
    }

    static TimestampFormat of(String jodaPattern) {
        return new TimestampFormat(DateTimeFormatter.ofPattern(jodaPattern.replace('Y', 'u')).withZone(ZoneOffset.UTC));
    }

    String format(Instant timestamp) {
        return formatter.format(timestamp);
    }
}
