package io.logpipe.indexer.prune;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A retention age as people write it: {@code 5d}, {@code 36h}, {@code 2w}, {@code 90m}. */
final class Age {
    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*([mhdw])");

    private Age() {
    }

    static Duration parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an age; write a number and a unit: 90m, 36h, 5d or 2w");
        }
        long n = Long.parseLong(m.group(1));
        if (n == 0) {
            throw new IllegalArgumentException("'" + text + "' keeps nothing; an age must be more than zero");
        }
        return switch (m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }

    /** The shortest text that {@link #parse} reads back: 5d rather than 120h. */
    static String format(Duration age) {
        long minutes = age.toMinutes();
        if (minutes % (60 * 24 * 7) == 0) {
            return minutes / (60 * 24 * 7) + "w";
        }
        if (minutes % (60 * 24) == 0) {
            return minutes / (60 * 24) + "d";
        }
        if (minutes % 60 == 0) {
            return minutes / 60 + "h";
        }
        return minutes + "m";
    }
}
