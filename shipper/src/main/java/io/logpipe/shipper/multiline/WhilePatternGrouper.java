package io.logpipe.shipper.multiline;

import io.logpipe.shipper.config.MultilineConfig;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@code multiline.type: while_pattern}: consecutive lines that match (or, with negate, do not match) form one
 * event; a line that does not is an event of its own.
 */
final class WhilePatternGrouper implements LineGrouper {
    private final Pattern pattern;
    private final boolean negate;
    private final long timeoutNanos;
    private final MessageBuffer buffer;

    WhilePatternGrouper(MultilineConfig config) {
        this.pattern = config.pattern();
        this.negate = config.negate();
        this.timeoutNanos = config.timeout().toNanos();
        this.buffer = new MessageBuffer(config.maxLines(), config.maxBytes());
    }

    private boolean matches(String line) {
        return pattern.matcher(line).find() != negate;
    }

    @Override
    public void add(Line line, Consumer<Message> out) {
        if (matches(line.text())) {
            buffer.add(line);
            return;
        }
        buffer.emit(out);
        buffer.add(line);
        buffer.emit(out);
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
