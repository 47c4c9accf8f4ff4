package io.logpipe.common.time;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;

/**
 * The canonical {@code @timestamp} text, {@code 2024-05-01T12:00:00.123Z} (UTC, always three fraction digits, as
 * Logstash and Beats print it): written by the shipper, read and written again by the indexer. Formatting and
 * parsing handle that form with plain arithmetic, once per event each way, and leave years beyond 0-9999 and other
 * ISO-8601 forms to java.time.
 */
public final class Timestamps {
    /** The canonical form as a formatter; {@link #format} gives the same text faster. */
    public static final DateTimeFormatter FORMAT = new DateTimeFormatterBuilder().appendInstant(3).toFormatter();
    /** The most bytes {@link #write} writes (a year of up to nine digits with its sign). */
    public static final int MAX_LENGTH = 30;
    private static final int LENGTH = 24;
    private static final long SECONDS_PER_DAY = 86_400;

    private Timestamps() {
    }

    /** {@code 2024-05-01T12:00:00.000Z}: always three fraction digits, as Logstash prints timestamps. */
    public static String format(Instant instant) {
        byte[] text = new byte[LENGTH];
        if (!writeCommon(instant.getEpochSecond(), instant.getNano() / 1_000_000, text, 0)) {
            return FORMAT.format(instant);
        }
        return new String(text, StandardCharsets.ISO_8859_1);
    }

    /** {@link #format(Instant)} of epoch milliseconds. */
    public static String format(long epochMillis) {
        return format(Instant.ofEpochMilli(epochMillis));
    }

    /**
     * Writes {@link #format(long)} of {@code epochMillis} as ASCII into {@code out} at {@code at}, which has room for
     * {@link #MAX_LENGTH} bytes; returns how many it wrote.
     */
    public static int write(long epochMillis, byte[] out, int at) {
        if (writeCommon(Math.floorDiv(epochMillis, 1000), (int) Math.floorMod(epochMillis, 1000), out, at)) {
            return LENGTH;
        }
        byte[] text = format(epochMillis).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, out, at, text.length);
        return text.length;
    }

    /** Writes the 24 bytes of a timestamp in years 0-9999 at {@code at}; false, writing nothing, for other years. */
    private static boolean writeCommon(long second, int millis, byte[] text, int at) {
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(second, SECONDS_PER_DAY));
        int year = date.getYear();
        if (year < 0 || year > 9999) {
            return false;
        }
        int secondOfDay = (int) Math.floorMod(second, SECONDS_PER_DAY);
        put(text, at, year, 4);
        text[at + 4] = '-';
        put(text, at + 5, date.getMonthValue(), 2);
        text[at + 7] = '-';
        put(text, at + 8, date.getDayOfMonth(), 2);
        text[at + 10] = 'T';
        put(text, at + 11, secondOfDay / 3600, 2);
        text[at + 13] = ':';
        put(text, at + 14, secondOfDay / 60 % 60, 2);
        text[at + 16] = ':';
        put(text, at + 17, secondOfDay % 60, 2);
        text[at + 19] = '.';
        put(text, at + 20, millis, 3);
        text[at + 23] = 'Z';
        return true;
    }

    private static void put(byte[] text, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            text[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    /**
     * The instant of a timestamp in exactly the form {@link #format} writes (formatting it gives the text back), or
     * null for any other text.
     */
    public static Instant parseCanonical(String text) {
        return text.length() == LENGTH && text.charAt(19) == '.' ? parseUtc(text) : null;
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
