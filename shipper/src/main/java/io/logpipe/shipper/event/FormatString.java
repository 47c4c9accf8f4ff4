package io.logpipe.shipper.event;

import io.logpipe.common.template.Template;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Beats format string such as {@code '%{[fields.log_topic]}'}, {@code 'logs-%{[fields][app]:unknown}'} or
 * {@code 'app-%{+yyyy.MM.dd}'}, evaluated against each event (the Kafka topic and key). The engine is common's
 * {@link Template} in its Beats dialect, which the indexer's Logstash sprintf uses too.
 */
public final class FormatString {
    private final Template<String[]> template;

    private FormatString(Template<String[]> template) {
        this.template = template;
    }

    /** Parses {@code text}; throws IllegalArgumentException with what is wrong. */
    public static FormatString parse(String text) {
        return new FormatString(Template.parse(text, Template.Dialect.BEATS, FormatString::path));
    }

    /** {@code [a.b]} and {@code [a][b]} name the same field: its dotted path. */
    private static String[] path(String ref) {
        if (!ref.startsWith("[")) {
            throw new IllegalArgumentException("'%{" + ref + "}' must name a field in brackets, e.g. %{[fields.topic]}");
        }
        int close = ref.lastIndexOf(']');
        String fields = ref.substring(0, close + 1);
        String rest = ref.substring(close + 1);
        if (!rest.isEmpty()) {
            throw new IllegalArgumentException("unexpected '" + rest + "' after " + fields);
        }
        String dotted = fields.replace("][", ".").replace("[", "").replace("]", "");
        if (dotted.isEmpty()) {
            throw new IllegalArgumentException("empty field name in '%{" + ref + "}'");
        }
        return dotted.split("\\.");
    }

    public boolean isConstant() {
        return template.isConstant();
    }

    /** The dotted names of the fields this format refers to, without a default. */
    public List<String> requiredFields() {
        List<String> out = new ArrayList<>();
        for (Template.Part<String[]> p : template.parts()) {
            if (p instanceof Template.Field<String[]> f && f.fallback() == null) {
                out.add(String.join(".", f.reference()));
            }
        }
        return out;
    }

    /** The value for {@code event}, or null when a referenced field is missing and has no default. */
    public String evaluate(Event event, EventEncoder encoder) {
        return template.render(new Template.Values<>() {
            @Override
            public Instant timestamp() {
                return Instant.ofEpochMilli(event.timestampMillis);
            }

            @Override
            public String text(String[] path) {
                Object v = encoder.field(event, path);
                // an object or an array is no name for a topic or a key
                return v == null || v instanceof Map || v instanceof List ? null : v.toString();
            }
        });
    }

    @Override
    public String toString() {
        return template.toString();
    }
}
