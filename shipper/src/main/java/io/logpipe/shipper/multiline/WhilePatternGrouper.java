package io.logpipe.shipper.multiline;

import io.logpipe.shipper.config.MultilineConfig;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@code multiline.type: while_pattern}: consecutive lines that match (or, with negate, do not match) form one
 * event; a line that does not is an event of its own.
 */
final class WhilePatternGrouper extends BufferedGrouper {
    private final Pattern pattern;
    private final boolean negate;

    WhilePatternGrouper(MultilineConfig config) {
        super(config);
        this.pattern = config.pattern();
        this.negate = config.negate();
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
}
