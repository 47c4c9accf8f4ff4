package io.logpipe.shipper.multiline;

import io.logpipe.shipper.config.MultilineConfig;
import java.util.function.Consumer;
import java.util.regex.Matcher;

/**
 * {@code multiline.type: while_pattern}: consecutive lines that match (or, with negate, do not match) form one
 * event; a line that does not is an event of its own.
 */
final class WhilePatternGrouper extends BufferedGrouper {
    /** Reused for every line: one grouper per file, fed by one thread. */
    private final Matcher pattern;
    private final boolean negate;

    WhilePatternGrouper(MultilineConfig config) {
        super(config);
        this.pattern = config.pattern().matcher("");
        this.negate = config.negate();
    }

    private boolean matches(String line) {
        return pattern.reset(line).find() != negate;
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
