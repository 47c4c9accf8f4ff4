package io.logpipe.indexer.event;

import io.logpipe.common.time.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Logstash sprintf template: {@code %{[a][b]}} inserts a field, {@code %{+YYYY.MM.dd}} formats {@code @timestamp}
 * in UTC with a Joda-Time pattern, {@code %{+%s}} gives epoch seconds. A missing field stays as written, as in Logstash.
 * Compiled once per setting, applied per event.
 */
public final class Sprintf {
    private interface Part {
        void append(Event event, StringBuilder out);
    }

    private final String template;
    private final Part[] parts;
    private final String constant;

    private Sprintf(String template, List<Part> parts) {
        this.template = template;
        this.parts = parts.toArray(new Part[0]);
        this.constant = template.contains("%{") ? null : template;
    }

    public static Sprintf compile(String template) {
        List<Part> parts = new ArrayList<>();
        int i = 0;
        while (i < template.length()) {
            int open = template.indexOf("%{", i);
            int close = open < 0 ? -1 : template.indexOf('}', open + 2);
            if (open < 0 || close < 0) {
                String literal = template.substring(i);
                parts.add((event, out) -> out.append(literal));
                break;
            }
            if (open > i) {
                String literal = template.substring(i, open);
                parts.add((event, out) -> out.append(literal));
            }
            String inner = template.substring(open + 2, close);
            String original = template.substring(open, close + 1);
            parts.add(placeholder(inner, original));
            i = close + 1;
        }
        return new Sprintf(template, parts);
    }

    private static Part placeholder(String inner, String original) {
        if (inner.equals("+%s")) {
            return (event, out) -> out.append(event.timestamp().getEpochSecond());
        }
        if (inner.startsWith("+")) {
            TimestampFormat format = TimestampFormat.of(inner.substring(1));
            return (event, out) -> out.append(format.format(event.timestamp()));
        }
        FieldReference reference;
        try {
            reference = FieldReference.of(inner);
        } catch (IllegalArgumentException e) {
            return (event, out) -> out.append(original);
        }
        return (event, out) -> {
            Object value = event.get(reference);
            if (value == null) {
                out.append(original);
            } else {
                out.append(Sprintf.toText(value));
            }
        };
    }

    /** A field value as sprintf prints it: strings as is, arrays comma-joined, hashes as JSON, timestamps ISO-8601. */
    public static String toText(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Instant instant) {
            return Timestamps.format(instant);
        }
        if (value instanceof List<?> list) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(toText(list.get(i)));
            }
            return out.toString();
        }
        if (value instanceof Map<?, ?>) {
            return EventJson.toJson(value);
        }
        return String.valueOf(value);
    }

    public boolean isConstant() {
        return constant != null;
    }

    public String apply(Event event) {
        if (constant != null) {
            return constant;
        }
        StringBuilder out = new StringBuilder(template.length() + 16);
        for (Part part : parts) {
            part.append(event, out);
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return template;
    }
}
