package io.logpipe.shipper.event;

import io.logpipe.common.time.JodaPattern;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Beats format string such as {@code '%{[fields.log_topic]}'}, {@code 'logs-%{[fields][app]:unknown}'} or
 * {@code 'app-%{+yyyy.MM.dd}'}, evaluated against each event (the Kafka topic and key).
 */
public final class FormatString {
    private final String text;
    private final List<Part> parts;

    private sealed interface Part permits Literal, FieldRef, DateRef {
    }

    private record Literal(String text) implements Part {
    }

    private record FieldRef(String[] path, String fallback) implements Part {
    }

    private record DateRef(DateTimeFormatter format) implements Part {
    }

    private FormatString(String text, List<Part> parts) {
        this.text = text;
        this.parts = parts;
    }

    /** Parses {@code text}; throws IllegalArgumentException with what is wrong. */
    public static FormatString parse(String text) {
        List<Part> parts = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int start = text.indexOf("%{", i);
            if (start < 0) {
                parts.add(new Literal(text.substring(i)));
                break;
            }
            if (start > i) {
                parts.add(new Literal(text.substring(i, start)));
            }
            int end = text.indexOf('}', start);
            if (end < 0) {
                throw new IllegalArgumentException("'%{' at position " + start + " is never closed by '}'");
            }
            String ref = text.substring(start + 2, end);
            if (ref.startsWith("+")) {
                // Beats' date formats are Joda-Time's (YYYY is the year, not java.time's week-based year)
                parts.add(new DateRef(JodaPattern.formatter(ref.substring(1))));
            } else {
                parts.add(fieldRef(ref));
            }
            i = end + 1;
        }
        return new FormatString(text, List.copyOf(parts));
    }

    private static FieldRef fieldRef(String ref) {
        if (!ref.startsWith("[")) {
            throw new IllegalArgumentException("'%{" + ref + "}' must name a field in brackets, e.g. %{[fields.topic]}");
        }
        int close = ref.lastIndexOf(']');
        String fields = ref.substring(0, close + 1);
        String rest = ref.substring(close + 1);
        String fallback = null;
        if (rest.startsWith(":")) {
            fallback = rest.substring(1);
        } else if (!rest.isEmpty()) {
            throw new IllegalArgumentException("unexpected '" + rest + "' after " + fields);
        }
        // [a.b] and [a][b] name the same field
        String dotted = fields.replace("][", ".").replace("[", "").replace("]", "");
        if (dotted.isEmpty()) {
            throw new IllegalArgumentException("empty field name in '%{" + ref + "}'");
        }
        return new FieldRef(dotted.split("\\."), fallback);
    }

    public boolean isConstant() {
        return parts.stream().allMatch(p -> p instanceof Literal);
    }

    /** The dotted names of the fields this format refers to, without a default. */
    public List<String> requiredFields() {
        List<String> out = new ArrayList<>();
        for (Part p : parts) {
            if (p instanceof FieldRef f && f.fallback == null) {
                out.add(String.join(".", f.path));
            }
        }
        return out;
    }

    /** The value for {@code event}, or null when a referenced field is missing and has no default. */
    public String evaluate(Event event, EventEncoder encoder) {
        if (parts.size() == 1 && parts.get(0) instanceof Literal l) {
            return l.text;
        }
        StringBuilder out = new StringBuilder();
        Map<String, Object> map = null;
        for (Part p : parts) {
            if (p instanceof Literal l) {
                out.append(l.text);
            } else if (p instanceof DateRef d) {
                out.append(d.format.format(Instant.ofEpochMilli(event.timestampMillis)));
            } else {
                FieldRef f = (FieldRef) p;
                Object v = fastLookup(event, f.path);
                if (v == null) {
                    if (map == null) {
                        map = encoder.toMap(event);
                    }
                    v = lookup(map, f.path);
                }
                if (v == null || v instanceof Map || v instanceof List) {
                    if (f.fallback == null) {
                        return null;
                    }
                    v = f.fallback;
                }
                out.append(v);
            }
        }
        return out.toString();
    }

    private static Object fastLookup(Event e, String[] path) {
        if (path.length >= 2 && path[0].equals("fields")) {
            return lookup(e.input.fields(), path, 1);
        }
        if (path.length == 1 && path[0].equals("message")) {
            return e.json == null ? e.message : null;
        }
        if (!e.input.rootFields().isEmpty()) {
            return lookup(e.input.rootFields(), path, 0);
        }
        return null;
    }

    private static Object lookup(Map<String, Object> map, String[] path) {
        return lookup(map, path, 0);
    }

    @SuppressWarnings("unchecked")
    private static Object lookup(Map<String, Object> map, String[] path, int from) {
        Object current = map;
        for (int i = from; i < path.length; i++) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = ((Map<String, Object>) m).get(path[i]);
        }
        return current;
    }

    @Override
    public String toString() {
        return text;
    }
}
