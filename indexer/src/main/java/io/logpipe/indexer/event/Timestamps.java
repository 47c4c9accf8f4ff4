package io.logpipe.indexer.event;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * {@code @timestamp} to and from text, once per event each way: formatting reuses the text of the last second seen
 * and only writes the milliseconds; parsing reads the common {@code 2024-05-01T12:00:00.123Z} form directly and
 * leaves every other form to {@link Instant#parse}.
 */
public final class Timestamps {
    private static volatile Second last = new Second(Long.MIN_VALUE, "");

    private record Second(long epochSecond, String text) {
    }

    private Timestamps() {
    }

    /** {@code 2024-05-01T12:00:00.000Z}: always three fraction digits, as Logstash prints timestamps. */
    public static String format(Instant instant) {
        long second = instant.getEpochSecond();
        Second cached = last;
        if (cached.epochSecond != second) {
            cached = new Second(second, EventJson.TIMESTAMP_FORMAT.format(Instant.ofEpochSecond(second)));
            last = cached;
        }
        String text = cached.text; // ends in ".000Z"
        int millis = instant.getNano() / 1_000_000;
        if (millis == 0) {
            return text;
        }
        char[] chars = text.toCharArray();
        int p = chars.length - 4;
        chars[p] = (char) ('0' + millis / 100);
        chars[p + 1] = (char) ('0' + millis / 10 % 10);
        chars[p + 2] = (char) ('0' + millis % 10);
        return new String(chars);
    }

    /**
     * Parses an ISO-8601 instant ({@code Z} or an offset); the plain {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z} form
     * without going through a DateTimeFormatter.
     *
     * @throws DateTimeException when the text is not an instant
     */
    public static Instant parse(String text) {
        Instant fast = parseUtc(text);
        return fast != null ? fast : Instant.parse(text);
    }

    private static Instant parseUtc(String s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
                || second > 59) {
            return null;
        }
        int nanos = 0;
        if (n > 20) {
            int fractionDigits = n - 21;
            if (s.charAt(19) != '.' || fractionDigits < 1 || fractionDigits > 9) {
                return null;
            }
            int fraction = digits(s, 20, fractionDigits);
            if (fraction < 0) {
                return null;
            }
            nanos = fraction;
            for (int i = fractionDigits; i < 9; i++) {
                nanos *= 10;
            }
        } else if (s.charAt(19) != 'Z') {
            return null;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return null; // e.g. February 30th: let Instant.parse say what is wrong
        }
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600L + minute * 60L + second, nanos);
    }

    /** The decimal number in {@code s[from, from + count)}, or -1 if any of it is not a digit. */
    private static int digits(String s, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
