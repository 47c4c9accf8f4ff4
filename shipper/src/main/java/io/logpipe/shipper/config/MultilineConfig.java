package io.logpipe.shipper.config;

import java.time.Duration;
import java.util.regex.Pattern;

/** The {@code multiline.*} group of an input (or a filestream {@code parsers: - multiline:} entry). */
public record MultilineConfig(Type type, Pattern pattern, boolean negate, Match match, int maxLines,
                              Duration timeout, Pattern flushPattern, int countLines, int maxBytes) {
    public enum Type { PATTERN, COUNT, WHILE_PATTERN }

    public enum Match { AFTER, BEFORE }

    public static final int DEFAULT_MAX_LINES = 500;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
}
