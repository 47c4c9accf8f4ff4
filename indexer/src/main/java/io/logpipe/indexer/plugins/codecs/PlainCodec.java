package io.logpipe.indexer.plugins.codecs;

import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.Sprintf;
import io.logpipe.indexer.plugins.Codec;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** The whole message as text in {@code message}; encodes with {@code format}, or as Logstash's "timestamp host message". */
public final class PlainCodec implements Codec {
    private static final Sprintf DEFAULT_FORMAT = Sprintf.compile("%{@timestamp} %{host} %{message}");
    private final Sprintf format;

    public PlainCodec(String format) {
        this.format = format == null ? DEFAULT_FORMAT : Sprintf.compile(format);
    }

    @Override
    public void decode(byte[] bytes, Consumer<Event> events) {
        events.accept(Event.withMessage(new String(bytes, StandardCharsets.UTF_8)));
    }

    @Override
    public byte[] encode(Event event) {
        return format.apply(event).getBytes(StandardCharsets.UTF_8);
    }
}
