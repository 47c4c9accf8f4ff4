package io.logpipe.shipper.multiline;

import io.logpipe.shipper.config.MultilineConfig;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@code multiline.type: pattern}. With {@code match: after} a line that matches (or, with negate, does not match)
 * continues the event before it; with {@code match: before} the event continues as long as its last line matches.
 * A line matching {@code flush_pattern} ends the event it joins.
 */
final class PatternGrouper extends BufferedGrouper {
    private final Pattern pattern;
    private final boolean negate;
    private final boolean before;
    private final Pattern flushPattern;

    PatternGrouper(MultilineConfig config) {
        super(config);
        this.pattern = config.pattern();
        this.negate = config.negate();
        this.before = config.match() == MultilineConfig.Match.BEFORE;
        this.flushPattern = config.flushPattern();
    }

    private boolean continues(String last, String current) {
        return pattern.matcher(before ? last : current).find() != negate;
    }

    @Override
    public void add(Line line, Consumer<Message> out) {
        if (buffer.isEmpty()) {
            buffer.add(line);
            return;
        }
        if (flushPattern != null && flushPattern.matcher(line.text()).find()) {
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
