package io.logpipe.common.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The units a setting's value is written in, one parser each for every config the components read: durations in
 * Go's syntax as filebeat.yml writes them ({@code 500ms}, {@code 30s}, {@code 1m30s}, {@code 72h}; a bare number is
 * seconds), sizes as Elasticsearch users write them ({@code 500mb}, {@code 50gb}, {@code 2tb}; binary multiples; a
 * bare number is bytes), and ports. Each throws {@link IllegalArgumentException} saying what to write instead; the
 * caller puts the file, line and setting in front of it.
 */
public final class Units {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|mb|gb|tb)?", Pattern.CASE_INSENSITIVE);

    private Units() {
    }

    /** A Go-style duration; negative ones are allowed here, a caller that needs a positive one checks. */
    public static Duration duration(String text) {
        String s = text.trim();
        Duration d = goDuration(s);
        if (d == null) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; examples: 500ms, 10s, 5m, 72h");
        }
        return d;
    }

    private static Duration goDuration(String s) {
        if (s.isEmpty()) {
            return null;
        }
        if (s.chars().allMatch(c -> Character.isDigit(c) || c == '-')) {
            try {
                return Duration.ofSeconds(Long.parseLong(s));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        long nanos = 0;
        int i = 0;
        boolean negative = s.startsWith("-");
        if (negative) {
            i++;
        }
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            if (start == i) {
                return null;
            }
            double value;
            try {
                value = Double.parseDouble(s.substring(start, i));
            } catch (NumberFormatException e) {
                return null;
            }
            int unitStart = i;
            while (i < s.length() && Character.isLetter(s.charAt(i))) {
                i++;
            }
            long unit = switch (s.substring(unitStart, i)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> -1L;
            };
            if (unit < 0) {
                return null;
            }
            nanos += (long) (value * unit);
        }
        return Duration.ofNanos(negative ? -nanos : nanos);
    }

    /** A size in bytes, more than zero. */
    public static long bytes(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is no size; write it like 500mb, 50gb or 2tb");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            n = Long.MAX_VALUE;
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        int shift = switch (unit) {
            case "kb" -> 10;
            case "mb" -> 20;
            case "gb" -> 30;
            case "tb" -> 40;
            default -> 0;
        };
        if (n <= 0 || Long.numberOfLeadingZeros(n) <= shift) {
            throw new IllegalArgumentException("'" + text + "' must be more than zero and at most a few petabytes");
        }
        return n << shift;
    }

    /** A TCP port, 0 (any free one) to 65535. */
    public static int port(String text) {
        try {
            int port = Integer.parseInt(text.trim());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("must be a port number from 0 to 65535, not '" + text + "'");
    }
}
