package io.logpipe.shipper.multiline;

import io.logpipe.shipper.config.MultilineConfig;
import java.util.function.Consumer;

/**
 * {@code multiline.type: pattern}. With {@code match: after} a line that matches (or, with negate, does not match)
 * continues the event before it; with {@code match: before} the event continues as long as its last line matches.
 * A line matching {@code flush_pattern} ends the event it joins.
 */
final class PatternGrouper extends BufferedGrouper {
    /** One grouper per file, fed by one thread. */
    private final LinePattern pattern;
    private final boolean negate;
    private final boolean before;
    private final LinePattern flushPattern;

    PatternGrouper(MultilineConfig config) {
        super(config);
        this.pattern = LinePattern.of(config.pattern());
        this.negate = config.negate();
        this.before = config.match() == MultilineConfig.Match.BEFORE;
        this.flushPattern = config.flushPattern() == null ? null : LinePattern.of(config.flushPattern());
    }

    private boolean continues(String last, String current) {
        return pattern.find(before ? last : current) != negate;
    }

    @Override
    public void add(Line line, Consumer<Message> out) {
        if (buffer.isEmpty()) {
            buffer.add(line);
            return;
        }
        if (flushPattern != null && flushPattern.find(line.text())) {
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
