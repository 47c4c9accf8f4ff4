package io.logpipe.shipper.multiline;

import io.logpipe.shipper.config.MultilineConfig;
import java.util.function.Consumer;

/** The part every multiline grouper shares: the event being collected, and its flush after {@code timeout}. */
abstract class BufferedGrouper implements LineGrouper {
    protected final MessageBuffer buffer;
    private final long timeoutNanos;

    BufferedGrouper(MultilineConfig config) {
        this.buffer = new MessageBuffer(config.maxLines(), config.maxBytes());
        this.timeoutNanos = config.timeout().toNanos();
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
    }

    @Override
    public boolean pending() {
        return !buffer.isEmpty();
    }
}
