package io.logpipe.indexer.plugins.codecs;

import io.logpipe.common.time.Timestamps;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.EventJson;
import io.logpipe.indexer.plugins.Codec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** Logstash's human-readable dump: sorted keys right-aligned before {@code =>}, timestamps unquoted; output only. */
public final class RubydebugCodec implements Codec {
    private final boolean metadata;

    public RubydebugCodec(boolean metadata) {
        this.metadata = metadata;
    }

    @Override
    public void decode(byte[] bytes, Consumer<Event> events) {
        events.accept(Event.withMessage(new String(bytes, StandardCharsets.UTF_8)));
    }

    @Override
    public byte[] encode(Event event) {
        Map<String, Object> fields = new TreeMap<>(event.fields());
        if (metadata && !event.metadata().isEmpty()) {
            fields.put(Event.METADATA, event.metadata());
        }
        StringBuilder out = new StringBuilder();
        appendValue(out, fields, 0);
        out.append('\n');
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void appendValue(StringBuilder out, Object value, int indent) {
        if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            Map<String, Object> sorted = new TreeMap<>();
            map.forEach((k, v) -> sorted.put(String.valueOf(k), v));
            int width = sorted.keySet().stream().mapToInt(k -> k.length() + 2).max().orElse(0);
            out.append("{\n");
            for (Map.Entry<String, Object> entry : sorted.entrySet()) {
                String key = "\"" + entry.getKey() + "\"";
                out.append(" ".repeat(indent + 4 + width - key.length())).append(key).append(" => ");
                appendValue(out, entry.getValue(), indent + 4);
                out.append('\n');
            }
            out.append(" ".repeat(indent)).append('}');
        } else if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append("[\n");
            for (int i = 0; i < list.size(); i++) {
                out.append(" ".repeat(indent + 4)).append('[').append(i).append("] ");
                appendValue(out, list.get(i), indent + 4);
                out.append(i + 1 < list.size() ? ",\n" : "\n");
            }
            out.append(" ".repeat(indent)).append(']');
        } else if (value instanceof String s) {
            out.append(EventJson.toJson(s));
        } else if (value instanceof Instant instant) {
            out.append(Timestamps.format(instant));
        } else {
            out.append(value);
        }
    }
}
