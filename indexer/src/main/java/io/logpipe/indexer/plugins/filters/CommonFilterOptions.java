package io.logpipe.indexer.plugins.filters;

import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.FieldReference;
import io.logpipe.indexer.event.Sprintf;
import io.logpipe.indexer.plugins.PluginSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The options every filter has: {@code add_field}, {@code add_tag}, {@code remove_field}, {@code remove_tag}
 * (all sprintf'd), applied when the filter matched; {@code id}, {@code enable_metric}, {@code periodic_flush}.
 */
public final class CommonFilterOptions {
    private record AddField(Sprintf field, Object value) {
    }

    private final String id;
    private final List<AddField> addFields = new ArrayList<>();
    private final List<Sprintf> addTags = new ArrayList<>();
    private final List<Sprintf> removeFields = new ArrayList<>();
    private final List<Sprintf> removeTags = new ArrayList<>();

    public CommonFilterOptions(PluginSettings settings, String defaultId) {
        this.id = settings.string("id", defaultId);
        settings.bool("enable_metric", true);
        settings.bool("periodic_flush", false);
        for (Map.Entry<String, Object> entry : settings.hash("add_field").entrySet()) {
            addFields.add(new AddField(Sprintf.compile(entry.getKey()), compileValue(entry.getValue())));
        }
        settings.strings("add_tag").forEach(t -> addTags.add(Sprintf.compile(t)));
        settings.strings("remove_field").forEach(f -> removeFields.add(Sprintf.compile(f)));
        settings.strings("remove_tag").forEach(t -> removeTags.add(Sprintf.compile(t)));
    }

    private static Object compileValue(Object value) {
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(compileValue(v)));
            return out;
        }
        return Sprintf.compile(String.valueOf(value));
    }

    public String id() {
        return id;
    }

    public boolean isEmpty() {
        return addFields.isEmpty() && addTags.isEmpty() && removeFields.isEmpty() && removeTags.isEmpty();
    }

    /** Applies the options to an event whose filter matched, in Logstash's order. */
    @SuppressWarnings("unchecked")
    public void apply(Event event) {
        for (AddField add : addFields) {
            FieldReference field = FieldReference.of(add.field().apply(event));
            Object value = expand(add.value(), event);
            Object existing = event.get(field);
            if (existing == null) {
                event.set(field, value);
            } else {
                // Adding to an existing field makes it an array, as Logstash does.
                List<Object> merged = new ArrayList<>();
                if (existing instanceof List<?> l) {
                    merged.addAll(l);
                } else {
                    merged.add(existing);
                }
                if (value instanceof List<?> l) {
                    merged.addAll(l);
                } else {
                    merged.add(value);
                }
                event.set(field, merged);
            }
        }
        for (Sprintf tag : addTags) {
            event.tag(tag.apply(event));
        }
        for (Sprintf field : removeFields) {
            event.remove(field.apply(event));
        }
        for (Sprintf tag : removeTags) {
            event.untag(tag.apply(event));
        }
    }

    private static Object expand(Object value, Event event) {
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(expand(v, event)));
            return out;
        }
        return ((Sprintf) value).apply(event);
    }
}
