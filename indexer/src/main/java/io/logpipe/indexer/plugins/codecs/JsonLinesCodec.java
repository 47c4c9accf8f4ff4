package io.logpipe.indexer.plugins.codecs;

import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.EventJson;
import io.logpipe.indexer.plugins.Codec;
import java.util.Arrays;
import java.util.function.Consumer;

/** Newline-delimited JSON: one event per line; a bad line becomes a {@code _jsonparsefailure} event. */
public final class JsonLinesCodec implements Codec {
    @Override
    public void decode(byte[] bytes, Consumer<Event> events) {
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
                if (end > start) {
                    JsonCodec.decode(bytes, start, end - start, events);
                }
                start = i + 1;
            }
        }
    }

    @Override
    public byte[] encode(Event event) {
        byte[] json = EventJson.toJsonBytes(event);
        byte[] line = Arrays.copyOf(json, json.length + 1);
        line[json.length] = '\n';
        return line;
    }
}
