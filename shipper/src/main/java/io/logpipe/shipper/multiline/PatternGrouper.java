package io.logpipe.shipper.multiline;

import io.logpipe.shipper.config.MultilineConfig;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@code multiline.type: pattern}. With {@code match: after} a line that matches (or, with negate, does not match)
 * continues the event before it; with {@code match: before} the event continues as long as its last line matches.
 * A line matching {@code flush_pattern} ends the event it joins.
 */
final class PatternGrouper implements LineGrouper {
    private final Pattern pattern;
    private final boolean negate;
    private final boolean before;
    private final Pattern flushPattern;
    private final long timeoutNanos;
    private final MessageBuffer buffer;

    PatternGrouper(MultilineConfig config) {
        this.pattern = config.pattern();
        this.negate = config.negate();
        this.before = config.match() == MultilineConfig.Match.BEFORE;
        this.flushPattern = config.flushPattern();
        this.timeoutNanos = config.timeout().toNanos();
        this.buffer = new MessageBuffer(config.maxLines(), config.maxBytes());
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

    @Override
    public void tick(long nowNanos, Consumer<Message> out) {
        if (timeoutNanos > 0 && !buffer.isEmpty() && nowNanos - buffer.lastAddNanos() >= timeoutNanos) {
            buffer.emit(out);
        }
    }

    @Override
    public void flush(Consumer<Message> out) {
        buffer.emit(out);
    }

    @Override
    public boolean pending() {
        return !buffer.isEmpty();
    }
}
