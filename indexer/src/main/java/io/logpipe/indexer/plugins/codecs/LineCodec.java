package io.logpipe.indexer.plugins.codecs;

import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.Sprintf;
import io.logpipe.indexer.plugins.Codec;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** One event per line ({@code delimiter}, default newline) in {@code message}; encodes {@code format} plus the delimiter. */
public final class LineCodec implements Codec {
    private final String delimiter;
    private final PlainCodec text;

    public LineCodec(String format, String delimiter) {
        this.delimiter = delimiter == null ? "\n" : delimiter;
        this.text = new PlainCodec(format);
    }

    @Override
    public void decode(byte[] bytes, Consumer<Event> events) {
        String all = new String(bytes, StandardCharsets.UTF_8);
        int start = 0;
        while (start < all.length()) {
            int end = all.indexOf(delimiter, start);
            if (end < 0) {
                end = all.length();
            }
            events.accept(Event.withMessage(all.substring(start, end)));
            start = end + delimiter.length();
        }
    }

    @Override
    public byte[] encode(Event event) {
        return (new String(text.encode(event), StandardCharsets.UTF_8) + delimiter).getBytes(StandardCharsets.UTF_8);
    }
}
