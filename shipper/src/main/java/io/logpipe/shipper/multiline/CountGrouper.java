package io.logpipe.shipper.multiline;

import io.logpipe.shipper.config.MultilineConfig;
import java.util.function.Consumer;

/** {@code multiline.type: count}: every {@code count_lines} lines form one event. */
final class CountGrouper implements LineGrouper {
    private final int count;
    private final long timeoutNanos;
    private final MessageBuffer buffer;
    private int seen;

    CountGrouper(MultilineConfig config) {
        this.count = config.countLines();
        this.timeoutNanos = config.timeout().toNanos();
        this.buffer = new MessageBuffer(config.maxLines(), config.maxBytes());
    }

    @Override
    public void add(Line line, Consumer<Message> out) {
        buffer.add(line);
        if (++seen >= count) {
            flush(out);
        }
    }

    @Override
    public void tick(long nowNanos, Consumer<Message> out) {
        if (timeoutNanos > 0 && !buffer.isEmpty() && nowNanos - buffer.lastAddNanos() >= timeoutNanos) {
            flush(out);
        }
    }

    @Override
    public void flush(Consumer<Message> out) {
        buffer.emit(out);
        seen = 0;
    }

    @Override
    public boolean pending() {
        return !buffer.isEmpty();
    }
}
