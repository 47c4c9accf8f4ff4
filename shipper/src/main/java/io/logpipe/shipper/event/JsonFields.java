package io.logpipe.shipper.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** The log input's {@code json.*} decoding: parse a line as a JSON object and merge it into the event. */
public final class JsonFields {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonFields() {
    }

    /** The decoded object, or a {@link Failure} saying why the line is not a JSON object. */
    public static Object decode(String line) {
        try {
            Object value = MAPPER.readValue(line, Object.class);
            if (value instanceof Map<?, ?>) {
                return value;
            }
            return new Failure("Error decoding JSON: the line is not a JSON object");
        } catch (JsonProcessingException e) {
            return new Failure("Error decoding JSON: " + e.getOriginalMessage());
        }
    }

    /** Why a line could not be decoded. */
    public record Failure(String message) {
    }

    @SuppressWarnings("unchecked")
    static void merge(Map<String, Object> root, Map<String, Object> decoded, InputFields.JsonDecoding options) {
        Map<String, Object> json = options.expandKeys() ? expand(decoded) : decoded;
        if (!options.keysUnderRoot()) {
            root.put("json", json);
            return;
        }
        for (Map.Entry<String, Object> e : json.entrySet()) {
            String key = e.getKey();
            if (root.containsKey(key) && !options.overwriteKeys()) {
                continue; // filebeat keeps its own fields unless overwrite_keys is set
            }
            if (key.equals("@timestamp") && !(e.getValue() instanceof String)) {
                continue;
            }
            root.put(key, e.getValue());
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> expand(Map<String, Object> in) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : in.entrySet()) {
            String[] path = e.getKey().split("\\.");
            Map<String, Object> target = out;
            for (int i = 0; i < path.length - 1; i++) {
                Object next = target.get(path[i]);
                if (!(next instanceof Map)) {
                    next = new LinkedHashMap<String, Object>();
                    target.put(path[i], next);
                }
                target = (Map<String, Object>) next;
            }
            Object v = e.getValue();
            target.put(path[path.length - 1], v instanceof Map ? expand((Map<String, Object>) v) : v);
        }
        return out;
    }
}
