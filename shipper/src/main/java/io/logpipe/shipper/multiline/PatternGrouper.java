package io.logpipe.shipper.multiline;

import io.logpipe.shipper.config.MultilineConfig;
import java.util.function.Consumer;
import java.util.regex.Matcher;

/**
 * {@code multiline.type: pattern}. With {@code match: after} a line that matches (or, with negate, does not match)
 * continues the event before it; with {@code match: before} the event continues as long as its last line matches.
 * A line matching {@code flush_pattern} ends the event it joins.
 */
final class PatternGrouper extends BufferedGrouper {
    /** Reused for every line: one grouper per file, fed by one thread. */
    private final Matcher pattern;
    private final boolean negate;
    private final boolean before;
    private final Matcher flushPattern;

    PatternGrouper(MultilineConfig config) {
        super(config);
        this.pattern = config.pattern().matcher("");
        this.negate = config.negate();
        this.before = config.match() == MultilineConfig.Match.BEFORE;
        this.flushPattern = config.flushPattern() == null ? null : config.flushPattern().matcher("");
    }

    private boolean continues(String last, String current) {
        return pattern.reset(before ? last : current).find() != negate;
    }

    @Override
    public void add(Line line, Consumer<Message> out) {
        if (buffer.isEmpty()) {
            buffer.add(line);
            return;
        }
        if (flushPattern != null && flushPattern.reset(line.text()).find()) {
            buffer.add(line);
            buffer.emit(out);
            return;
        }
        if (!continues(buffer.last(), line.text())) {
            buffer.emit(out);
        }
        buffer.add(line);
    }
}
