package io.logpipe.indexer.plugins.filters;

import io.logpipe.common.time.JodaPattern;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.FieldReference;
import io.logpipe.indexer.plugins.Filter;
import io.logpipe.indexer.plugins.PluginSettings;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Logstash's date filter: {@code match => [field, pattern...]} with Joda patterns, ISO8601, UNIX, UNIX_MS;
 * the first pattern that parses sets {@code target} (default {@code @timestamp}); none: {@code _dateparsefailure}.
 * Times without a zone are in {@code timezone} (default UTC); dates without a year get the current year.
 */
public final class DateFilter implements Filter {
    private static final DateTimeFormatter ISO8601 = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendLiteral(' ').optionalEnd()
            .appendValue(ChronoField.HOUR_OF_DAY, 2).appendLiteral(':').appendValue(ChronoField.MINUTE_OF_HOUR, 2)
            .optionalStart().appendLiteral(':').appendValue(ChronoField.SECOND_OF_MINUTE, 2)
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, false).optionalEnd()
            .optionalEnd()
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HH", "Z").optionalEnd()
            .toFormatter(Locale.ROOT);

    private final FieldReference source;
    private final List<Function<String, Instant>> parsers = new ArrayList<>();
    private final FieldReference target;
    private final List<String> tagOnFailure;

    public DateFilter(PluginSettings settings) {
        List<String> match = settings.strings("match");
        if (match.size() < 2) {
            throw settings.error("match", "expected [ \"field\", \"pattern\", ... ] with at least one pattern");
        }
        this.source = JsonFilter.reference(settings, "match", match.get(0));
        String zoneName = settings.string("timezone", null);
        ZoneId zone;
        try {
            zone = zoneName == null ? ZoneOffset.UTC : ZoneId.of(zoneName);
        } catch (DateTimeException e) {
            throw settings.error("timezone", "unknown time zone '" + zoneName + "' (use names like Europe/Paris or +02:00)");
        }
        String localeName = settings.string("locale", null);
        Locale locale = localeName == null ? Locale.ENGLISH : Locale.forLanguageTag(localeName.replace('_', '-'));
        for (String pattern : match.subList(1, match.size())) {
            parsers.add(parser(settings, pattern, zone, locale));
        }
        this.target = JsonFilter.reference(settings, "target", settings.string("target", Event.TIMESTAMP));
        this.tagOnFailure = settings.strings("tag_on_failure", List.of("_dateparsefailure"));
    }

    private static Function<String, Instant> parser(PluginSettings settings, String pattern, ZoneId zone, Locale locale) {
        switch (pattern) {
            case "ISO8601":
                return text -> resolve(ISO8601.parse(text.strip()), zone);
            case "UNIX":
                return text -> {
                    BigDecimal seconds = new BigDecimal(text.strip());
                    return Instant.ofEpochSecond(0).plusNanos(seconds.movePointRight(9).longValueExact());
                };
            case "UNIX_MS":
                return text -> Instant.ofEpochMilli(new BigDecimal(text.strip()).longValue());
            default:
                DateTimeFormatter formatter;
                try {
                    formatter = JodaPattern.formatter(pattern).withLocale(locale).withZone(null);
                } catch (IllegalArgumentException e) {
                    throw settings.error("match", "invalid date pattern '" + pattern + "': " + e.getMessage());
                }
                return text -> resolve(formatter.parse(text), zone);
        }
    }

    private static Instant resolve(TemporalAccessor parsed, ZoneId zone) {
        if (parsed.isSupported(ChronoField.INSTANT_SECONDS)) {
            return Instant.from(parsed);
        }
        LocalTime time = parsed.isSupported(ChronoField.HOUR_OF_DAY) ? LocalTime.from(parsed) : LocalTime.MIDNIGHT;
        LocalDate date;
        if (parsed.isSupported(ChronoField.EPOCH_DAY)) {
            date = LocalDate.from(parsed);
        } else if (parsed.isSupported(ChronoField.MONTH_OF_YEAR) && parsed.isSupported(ChronoField.DAY_OF_MONTH)) {
            // No year (syslog's "MMM dd HH:mm:ss"): this year, as Logstash guesses.
            date = LocalDate.of(LocalDate.now(ZoneOffset.UTC).getYear(), parsed.get(ChronoField.MONTH_OF_YEAR),
                    parsed.get(ChronoField.DAY_OF_MONTH));
        } else {
            throw new DateTimeException("no date in the text");
        }
        if (parsed.isSupported(ChronoField.OFFSET_SECONDS)) {
            return OffsetDateTime.of(date, time, ZoneOffset.ofTotalSeconds(parsed.get(ChronoField.OFFSET_SECONDS))).toInstant();
        }
        return ZonedDateTime.of(LocalDateTime.of(date, time), zone).toInstant();
    }

    @Override
    public boolean filter(Event event) {
        Object value = event.get(source);
        if (value instanceof List<?> list && !list.isEmpty()) {
            value = list.get(0);
        }
        if (value == null) {
            return false;
        }
        String text = value instanceof Number n ? new BigDecimal(n.toString()).toPlainString() : value.toString();
        for (Function<String, Instant> parser : parsers) {
            try {
                Instant instant = parser.apply(text);
                event.set(target, instant);
                return true;
            } catch (RuntimeException e) {
                // try the next pattern
            }
        }
        tagOnFailure.forEach(event::tag);
        return false;
    }
}
