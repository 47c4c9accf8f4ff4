package io.logpipe.indexer.event;

import io.logpipe.common.time.Timestamps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Logstash event: a tree of fields, an {@code @timestamp}, {@code tags}, and {@code @metadata} that travels with
 * the event but is never written by outputs. Not thread-safe: one worker owns an event at a time.
 */
public final class Event {
    public static final String TIMESTAMP = "@timestamp";
    public static final String METADATA = "@metadata";
    public static final String TAGS = "tags";
    public static final String MESSAGE = "message";
    public static final String VERSION = "@version";

    /** The fields; null until first needed when the event was made by {@link #decodeLazily}. */
    private Map<String, Object> data;
    /** The @timestamp of a lazily decoded event while {@link #data} is still null. */
    private Instant lazyTimestamp;
    private Map<String, Object> metadata;
    private SourcePosition source;
    private boolean cancelled;
    /**
     * The JSON document the fields were decoded from, kept while it still says exactly what the fields say, so that
     * an event no filter changed is written out as the bytes that came in (see {@link #decodeLazily}); dropped by
     * anything that changes the fields or hands out a mutable part of them.
     */
    private byte[] sourceJson;
    /** {@code @version} was not in the document and was added here: written after the source JSON's fields. */
    private boolean versionAdded;
    /** {@code @timestamp} was not in the document and was set when it was read: written after its fields. */
    private boolean timestampAdded;
    /** Where the source JSON's {@code @timestamp} string lies when it must be rewritten in the outputs' form, else -1. */
    private int sourceTimestampStart = -1;
    private int sourceTimestampEnd = -1;

    public Event() {
        this(new LinkedHashMap<>());
    }

    /** Wraps {@code fields} (taken over, not copied); sets {@code @timestamp} to now and {@code @version} when absent. */
    public Event(Map<String, Object> fields) {
        this.data = fields;
        Object metadataField = data.remove(METADATA);
        if (metadataField instanceof Map<?, ?> map) {
            metadata = castMap(map);
        }
        Object timestamp = data.get(TIMESTAMP);
        if (timestamp == null) {
            data.put(TIMESTAMP, Instant.now());
        } else if (!(timestamp instanceof Instant)) {
            Instant parsed = parseTimestamp(timestamp);
            if (parsed == null) {
                // Logstash keeps the unparseable value aside and tags the event instead of rejecting it.
                data.put("_" + TIMESTAMP, timestamp);
                data.put(TIMESTAMP, Instant.now());
                tag("_timestampparsefailure");
            } else {
                data.put(TIMESTAMP, parsed);
            }
        }
        versionAdded = data.putIfAbsent(VERSION, "1") == null;
    }

    public static Event withMessage(String message) {
        Event event = new Event();
        event.data().put(MESSAGE, message);
        return event;
    }

    private static Instant parseTimestamp(Object value) {
        if (value instanceof String s) {
            try {
                return Timestamps.parse(s);
            } catch (DateTimeParseException e) {
                try {
                    return java.time.OffsetDateTime.parse(s).toInstant();
                } catch (DateTimeParseException e2) {
                    return null;
                }
            }
        }
        if (value instanceof Number n) {
            return Instant.ofEpochMilli(n.longValue());
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }

    public Instant timestamp() {
        return data == null ? lazyTimestamp : (Instant) data.get(TIMESTAMP);
    }

    public void setTimestamp(Instant timestamp) {
        modified();
        data().put(TIMESTAMP, timestamp);
    }

    private Event(byte[] json, Map<String, Object> metadata, Instant timestamp, boolean timestampAdded,
                  boolean versionAdded, int timestampStart, int timestampEnd) {
        this.sourceJson = json;
        this.metadata = metadata;
        this.lazyTimestamp = timestamp;
        this.timestampAdded = timestampAdded;
        this.versionAdded = versionAdded;
        this.sourceTimestampStart = timestampStart;
        this.sourceTimestampEnd = timestampEnd;
    }

    /**
     * An event for a JSON object whose fields are decoded only when something first reads them; a pipeline without
     * filters never does, since the output writes the bytes as they came. {@code @metadata} (every shipped event has
     * one) is read now and cut out of the bytes, which then say exactly what the fields say. Returns null when the
     * bytes could not be written as they came: the caller then decodes them now.
     */
    public static Event decodeLazily(byte[] json) {
        // The bytes go out as they came only if they say exactly what the fields say: one object, no key twice,
        // @timestamp a string or absent, and on one line (bulk bodies are one document per line).
        EventJson.TopLevel top = EventJson.scanObject(json);
        if (top == null) {
            return null;
        }
        if (top.empty()) {
            return null; // nothing to write but what the event adds
        }
        byte[] fields = top.withoutMetadata(json);
        Map<String, Object> metadata = top.metadata();
        if (top.timestamp() == null) {
            // None in the document: now, as for any event without one, written after the document's fields.
            return new Event(fields, metadata, Instant.now(), true, !top.hasVersion(), -1, -1);
        }
        Instant canonical = Timestamps.parseCanonical(top.timestamp());
        if (canonical != null) {
            return new Event(fields, metadata, canonical, false, !top.hasVersion(), -1, -1);
        }
        // Another form (no milliseconds, an offset): written back in the outputs' form, in place.
        Instant timestamp = top.timestampWithoutEscapes() ? parseTimestamp(top.timestamp()) : null;
        return timestamp == null ? null
                : new Event(fields, metadata, timestamp, false, !top.hasVersion(), top.shifted(top.timestampStart()),
                        top.shifted(top.timestampEnd()));
    }

    private void decodeSource() {
        Map<String, Object> fields;
        try {
            fields = castMap((Map<?, ?>) EventJson.parse(sourceJson, 0, sourceJson.length));
        } catch (IOException e) {
            throw new UncheckedIOException("JSON that scanned as one object does not parse", e);
        }
        fields.put(TIMESTAMP, lazyTimestamp);
        fields.putIfAbsent(VERSION, "1");
        data = fields;
        lazyTimestamp = null;
    }

    /**
     * The source JSON if the fields still match it, else null; {@link #timestampAdded}, {@link #versionAdded} and
     * {@link #sourceTimestampStart} say what the written bytes must add or replace.
     */
    byte[] sourceJson() {
        return sourceJson;
    }

    boolean versionAdded() {
        return versionAdded;
    }

    boolean timestampAdded() {
        return timestampAdded;
    }

    int sourceTimestampStart() {
        return sourceTimestampStart;
    }

    int sourceTimestampEnd() {
        return sourceTimestampEnd;
    }

    /** The fields for writing them out, without giving up the source JSON; decoded now if they were not yet. */
    Map<String, Object> data() {
        if (data == null) {
            decodeSource();
        }
        return data;
    }

    private void modified() {
        if (data == null) {
            decodeSource(); // before the source it decodes from is dropped
        }
        sourceJson = null;
    }

    public Object get(String reference) {
        return get(FieldReference.of(reference));
    }

    public Object get(FieldReference reference) {
        Object node = reference.isMetadata() ? metadata : data();
        for (String segment : reference.path()) {
            node = child(node, segment);
            if (node == null) {
                return null;
            }
        }
        if (!reference.isMetadata() && (node instanceof Map<?, ?> || node instanceof List<?>)) {
            modified(); // the caller may change it
        }
        return node;
    }

    private static Object child(Object node, String segment) {
        if (node instanceof Map<?, ?> map) {
            return map.get(segment);
        }
        if (node instanceof List<?> list) {
            int index = listIndex(segment, list.size());
            return index < 0 ? null : list.get(index);
        }
        return null;
    }

    private static int listIndex(String segment, int size) {
        try {
            int index = Integer.parseInt(segment);
            if (index < 0) {
                index += size;
            }
            return index >= 0 && index < size ? index : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public boolean includes(String reference) {
        return includes(FieldReference.of(reference));
    }

    public boolean includes(FieldReference reference) {
        Object node = reference.isMetadata() ? metadata : data();
        String[] path = reference.path();
        if (path.length == 0) {
            return node != null;
        }
        for (int i = 0; i < path.length - 1; i++) {
            node = child(node, path[i]);
        }
        if (node instanceof Map<?, ?> map) {
            return map.containsKey(path[path.length - 1]);
        }
        return child(node, path[path.length - 1]) != null;
    }

    public void set(String reference, Object value) {
        set(FieldReference.of(reference), value);
    }

    /** Sets a field, creating the maps on the way; {@code @timestamp} accepts an Instant or an ISO-8601 string. */
    public void set(FieldReference reference, Object value) {
        if (!reference.isMetadata()) {
            modified();
        }
        if (reference.isTimestamp()) {
            Instant timestamp = value instanceof Instant i ? i : parseTimestamp(value);
            if (timestamp == null) {
                throw new IllegalArgumentException("@timestamp must be a timestamp, not " + value);
            }
            data().put(TIMESTAMP, timestamp);
            return;
        }
        String[] path = reference.path();
        if (reference.isMetadata() && path.length == 0) {
            metadata = value instanceof Map<?, ?> map ? castMap(map) : null;
            return;
        }
        Map<String, Object> node = reference.isMetadata() ? metadata() : data();
        for (int i = 0; i < path.length - 1; i++) {
            Object next = node.get(path[i]);
            if (!(next instanceof Map<?, ?>)) {
                next = new LinkedHashMap<String, Object>();
                node.put(path[i], next);
            }
            node = castMap((Map<?, ?>) next);
        }
        node.put(path[path.length - 1], value);
    }

    /** Removes a field and returns its value, or null. */
    public Object remove(String reference) {
        return remove(FieldReference.of(reference));
    }

    public Object remove(FieldReference reference) {
        if (!reference.isMetadata()) {
            modified();
        }
        String[] path = reference.path();
        if (path.length == 0) {
            Object old = metadata;
            metadata = null;
            return old;
        }
        Object node = reference.isMetadata() ? metadata : data();
        for (int i = 0; i < path.length - 1; i++) {
            node = child(node, path[i]);
        }
        if (node instanceof Map<?, ?> map) {
            return map.remove(path[path.length - 1]);
        }
        if (node instanceof List<?> list) {
            int index = listIndex(path[path.length - 1], list.size());
            return index < 0 ? null : list.remove(index);
        }
        return null;
    }

    public Map<String, Object> metadata() {
        if (metadata == null) {
            metadata = new LinkedHashMap<>();
        }
        return metadata;
    }

    /** The event's fields (without @metadata), as outputs write them; live, not a copy. */
    public Map<String, Object> fields() {
        modified(); // the caller may change them
        return data();
    }

    @SuppressWarnings("unchecked")
    public List<String> tags() {
        modified(); // the caller may change the list
        Object tags = data().get(TAGS);
        if (tags instanceof List<?> list) {
            return (List<String>) list;
        }
        return List.of();
    }

    public boolean hasTag(String tag) {
        Object tags = data().get(TAGS);
        return tags instanceof List<?> list && list.contains(tag);
    }

    /** Adds {@code tag} once, turning a string {@code tags} field into a list as Logstash does. */
    @SuppressWarnings("unchecked")
    public void tag(String tag) {
        modified();
        Object tags = data().get(TAGS);
        List<Object> list;
        if (tags instanceof List<?> existing) {
            list = (List<Object>) existing;
        } else {
            list = new ArrayList<>();
            if (tags != null) {
                list.add(tags);
            }
            data().put(TAGS, list);
        }
        if (!list.contains(tag)) {
            list.add(tag);
        }
    }

    public void untag(String tag) {
        modified();
        Object tags = data().get(TAGS);
        if (tags instanceof List<?> list) {
            list.remove(tag);
        } else if (tag.equals(tags)) {
            data().remove(TAGS);
        }
    }

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Where the event was read from (a Kafka record), or null; carried through filters for ids and commits. */
    public SourcePosition source() {
        return source;
    }

    public void setSource(SourcePosition source) {
        this.source = source;
    }

    /** A deep copy (the same source position), for filters that fork events. */
    public Event copy() {
        Event copy = new Event(deepCopy(data()));
        if (metadata != null) {
            copy.metadata = deepCopy(metadata);
        }
        copy.source = source;
        copy.sourceJson = sourceJson;
        copy.versionAdded = versionAdded;
        copy.timestampAdded = timestampAdded;
        copy.sourceTimestampStart = sourceTimestampStart;
        copy.sourceTimestampEnd = sourceTimestampEnd;
        return copy;
    }

    @SuppressWarnings("unchecked")
    private static <T> T deepCopy(T value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put((String) k, deepCopy(v)));
            return (T) copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(v -> copy.add(deepCopy(v)));
            return (T) copy;
        }
        return value;
    }

    @Override
    public String toString() {
        return EventJson.toJson(this);
    }
}
