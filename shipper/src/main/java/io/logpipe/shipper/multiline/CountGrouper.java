package io.logpipe.shipper.multiline;

import io.logpipe.shipper.config.MultilineConfig;
import java.util.function.Consumer;

/** {@code multiline.type: count}: every {@code count_lines} lines form one event. */
final class CountGrouper extends BufferedGrouper {
    private final int count;
    private int seen;

    CountGrouper(MultilineConfig config) {
        super(config);
        this.count = config.countLines();
    }

    @Override
    public void add(Line line, Consumer<Message> out) {
        buffer.add(line);
        if (++seen >= count) {
            flush(out);
        }
    }

    @Override
    public void flush(Consumer<Message> out) {
        super.flush(out);
        seen = 0;
    }
}
