package io.logpipe.indexer.plugins.filters;

import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.EventJson;
import io.logpipe.indexer.event.FieldReference;
import io.logpipe.indexer.plugins.Filter;
import io.logpipe.indexer.plugins.PluginSettings;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** Parses the JSON text in {@code source} into the event's root or into {@code target}; invalid JSON is tagged, kept. */
public final class JsonFilter implements Filter {
    private final FieldReference source;
    private final FieldReference target;
    private final boolean skipOnInvalidJson;
    private final List<String> tagOnFailure;

    public JsonFilter(PluginSettings settings) {
        this.source = reference(settings, "source", settings.requiredString("source"));
        String targetName = settings.string("target", null);
        this.target = targetName == null ? null : reference(settings, "target", targetName);
        this.skipOnInvalidJson = settings.bool("skip_on_invalid_json", false);
        this.tagOnFailure = settings.strings("tag_on_failure", List.of("_jsonparsefailure"));
    }

    static FieldReference reference(PluginSettings settings, String name, String value) {
        try {
            return FieldReference.of(value);
        } catch (IllegalArgumentException e) {
            throw settings.error(name, e.getMessage());
        }
    }

    @Override
    public boolean filter(Event event) {
        Object text = event.get(source);
        if (!(text instanceof String json)) {
            return false;
        }
        Object parsed;
        try {
            parsed = EventJson.parseAny(json);
        } catch (IOException e) {
            return fail(event);
        }
        if (target != null) {
            event.set(target, parsed);
            return true;
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            // Only a JSON object can be merged into the event's root.
            return fail(event);
        }
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String key = String.valueOf(entry.getKey());
            if (key.equals(Event.TIMESTAMP)) {
                try {
                    event.set(FieldReference.of(Event.TIMESTAMP), entry.getValue());
                } catch (IllegalArgumentException e) {
                    event.fields().put("_" + Event.TIMESTAMP, entry.getValue());
                    event.tag("_timestampparsefailure");
                }
            } else if (key.equals(Event.TAGS)) {
                Object tags = entry.getValue();
                if (tags instanceof List<?> list) {
                    list.forEach(t -> event.tag(String.valueOf(t)));
                } else if (tags != null) {
                    event.tag(String.valueOf(tags));
                }
            } else {
                event.fields().put(key, entry.getValue());
            }
        }
        return true;
    }

    private boolean fail(Event event) {
        if (!skipOnInvalidJson) {
            tagOnFailure.forEach(event::tag);
        }
        return false;
    }
}
