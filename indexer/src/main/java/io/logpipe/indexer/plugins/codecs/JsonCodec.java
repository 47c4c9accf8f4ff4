package io.logpipe.indexer.plugins.codecs;

import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.EventJson;
import io.logpipe.indexer.plugins.Codec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** One JSON document per message. Invalid JSON is kept: the raw text in {@code message}, tagged {@code _jsonparsefailure}. */
public final class JsonCodec implements Codec {
    public static final String FAILURE_TAG = "_jsonparsefailure";

    @Override
    public void decode(byte[] bytes, Consumer<Event> events) {
        decode(bytes, 0, bytes.length, events);
    }

    @SuppressWarnings("unchecked")
    static void decode(byte[] bytes, int offset, int length, Consumer<Event> events) {
        byte[] document = offset == 0 && length == bytes.length ? bytes : Arrays.copyOfRange(bytes, offset, offset + length);
        // An object that can be written as it came is only checked now; its fields are built if a filter asks.
        Event lazy = Event.decodeLazily(document);
        if (lazy != null) {
            events.accept(lazy);
            return;
        }
        try {
            Object parsed = EventJson.parse(bytes, offset, length);
            if (parsed instanceof Map<?, ?> map) {
                events.accept(new Event((Map<String, Object>) map));
                return;
            }
            if (parsed instanceof List<?> list && list.stream().allMatch(e -> e instanceof Map<?, ?>)) {
                list.forEach(element -> events.accept(new Event((Map<String, Object>) element)));
                return;
            }
        } catch (IOException e) {
            // not JSON: kept below, never dropped
        }
        Event event = Event.withMessage(new String(bytes, offset, length, StandardCharsets.UTF_8));
        event.tag(FAILURE_TAG);
        events.accept(event);
    }

    @Override
    public byte[] encode(Event event) {
        return EventJson.toJsonBytes(event);
    }
}
