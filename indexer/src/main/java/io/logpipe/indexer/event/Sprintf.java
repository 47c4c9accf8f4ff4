package io.logpipe.indexer.event;

import io.logpipe.common.template.Template;
import io.logpipe.common.time.Timestamps;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A Logstash sprintf template: {@code %{[a][b]}} inserts a field, {@code %{+YYYY.MM.dd}} formats {@code @timestamp}
 * in UTC with a Joda-Time pattern, {@code %{+%s}} gives epoch seconds. A missing field stays as written, as in Logstash.
 * Compiled once per setting, applied per event; the engine is common's {@link Template}, which the shipper's Beats
 * format strings use too.
 */
public final class Sprintf {
    private final Template<FieldReference> template;
    private final String constant;

    private Sprintf(Template<FieldReference> template) {
        this.template = template;
        this.constant = template.isConstant() ? template.render(null) : null;
    }

    public static Sprintf compile(String template) {
        return new Sprintf(Template.parse(template, Template.Dialect.LOGSTASH, Sprintf::reference));
    }

    /** A field reference, or null for text that is not one (the placeholder is then printed as written). */
    private static FieldReference reference(String text) {
        try {
            return FieldReference.of(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
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
        return template.render(new Template.Values<>() {
            @Override
            public Instant timestamp() {
                return event.timestamp();
            }

            @Override
            public String text(FieldReference reference) {
                Object value = event.get(reference);
                return value == null ? null : toText(value);
            }
        });
    }

    @Override
    public String toString() {
        return template.toString();
    }
}
