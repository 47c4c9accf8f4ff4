package io.logpipe.shipper.multiline;

import io.logpipe.shipper.config.MultilineConfig;
import io.logpipe.shipper.event.Event;
import java.util.function.Consumer;

/**
 * Turns a file's lines into messages. One per harvested file, fed by one thread.
 *
 * <p>Lines go in through {@link #add}; complete messages come out through the sink. A grouper may hold lines back
 * (an unfinished multiline event) until a later line, {@link #tick} after the timeout, or {@link #flush}.
 */
public interface LineGrouper {
    void add(Line line, Consumer<Message> out);

    /** Emits a pending message when no line arrived for the configured timeout. */
    void tick(long nowNanos, Consumer<Message> out);

    /** Emits whatever is pending (the file is closed). */
    void flush(Consumer<Message> out);

    boolean pending();

    static LineGrouper of(MultilineConfig config, int maxBytes) {
        if (config == null) {
            return new SingleLines();
        }
        return switch (config.type()) {
            case PATTERN -> new PatternGrouper(config);
            case COUNT -> new CountGrouper(config);
            case WHILE_PATTERN -> new WhilePatternGrouper(config);
        };
    }

    /** Without multiline: every line is a message. */
    final class SingleLines implements LineGrouper {
        @Override
        public void add(Line line, Consumer<Message> out) {
            out.accept(new Message(line.content(), line.offset(), line.endOffset(),
                    line.truncated() ? Event.FLAG_TRUNCATED : 0));
        }

        @Override
        public void tick(long nowNanos, Consumer<Message> out) {
        }

        @Override
        public void flush(Consumer<Message> out) {
        }

        @Override
        public boolean pending() {
            return false;
        }
    }
}
