package io.logpipe.shipper.config;

import java.time.Duration;

/** Go's time.ParseDuration syntax, which filebeat.yml uses for every duration setting. */
final class Durations {
    private Durations() {
    }

    static Duration parse(String s) {
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
}
