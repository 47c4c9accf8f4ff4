package io.logpipe.shipper.multiline;

import io.logpipe.shipper.config.MultilineConfig;
import java.util.function.Consumer;

/**
 * {@code multiline.type: while_pattern}: consecutive lines that match (or, with negate, do not match) form one
 * event; a line that does not is an event of its own.
 */
final class WhilePatternGrouper extends BufferedGrouper {
    /** One grouper per file, fed by one thread. */
    private final LinePattern pattern;
    private final boolean negate;

    WhilePatternGrouper(MultilineConfig config) {
        super(config);
        this.pattern = LinePattern.of(config.pattern());
        this.negate = config.negate();
    }

    private boolean matches(String line) {
        return pattern.find(line) != negate;
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
}
