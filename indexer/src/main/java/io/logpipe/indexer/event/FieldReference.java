package io.logpipe.indexer.event;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Logstash field reference: {@code [a][b]} (nested) or {@code a} (one top-level field, dots included).
 * References into {@code [@metadata]} address the event's metadata, which outputs never see.
 */
public final class FieldReference {
    private static final Map<String, FieldReference> CACHE = new ConcurrentHashMap<>();

    private final String text;
    private final boolean metadata;
    private final String[] path;

    private FieldReference(String text, boolean metadata, String[] path) {
        this.text = text;
        this.metadata = metadata;
        this.path = path;
    }

    /** Parses {@code reference}; throws IllegalArgumentException with what is wrong when it is malformed. */
    public static FieldReference of(String reference) {
        FieldReference cached = CACHE.get(reference);
        if (cached != null) {
            return cached;
        }
        FieldReference parsed = parse(reference);
        if (CACHE.size() < 10_000) {
            CACHE.put(reference, parsed);
        }
        return parsed;
    }

    private static FieldReference parse(String reference) {
        if (reference.isEmpty()) {
            throw new IllegalArgumentException("empty field reference");
        }
        List<String> segments = new ArrayList<>();
        if (reference.charAt(0) != '[') {
            if (reference.indexOf('[') >= 0 || reference.indexOf(']') >= 0) {
                throw new IllegalArgumentException("invalid field reference '" + reference
                        + "': write nested fields as [outer][inner]");
            }
            segments.add(reference);
        } else {
            int i = 0;
            while (i < reference.length()) {
                if (reference.charAt(i) != '[') {
                    throw new IllegalArgumentException("invalid field reference '" + reference
                            + "': expected '[' at position " + (i + 1));
                }
                int close = reference.indexOf(']', i + 1);
                if (close < 0) {
                    throw new IllegalArgumentException("invalid field reference '" + reference + "': missing ']'");
                }
                String segment = reference.substring(i + 1, close);
                if (segment.isEmpty() || segment.indexOf('[') >= 0) {
                    throw new IllegalArgumentException("invalid field reference '" + reference
                            + "': empty or nested '[' in a segment");
                }
                segments.add(segment);
                i = close + 1;
            }
        }
        boolean metadata = segments.get(0).equals(Event.METADATA);
        if (metadata) {
            segments.remove(0);
        }
        return new FieldReference(reference, metadata, segments.toArray(new String[0]));
    }

    public boolean isMetadata() {
        return metadata;
    }

    /** The path below the root (the event's fields, or its metadata); empty for {@code [@metadata]} itself. */
    String[] path() {
        return path;
    }

    public boolean isTimestamp() {
        return !metadata && path.length == 1 && path[0].equals(Event.TIMESTAMP);
    }

    public boolean isTopLevel() {
        return path.length == 1;
    }

    public String lastSegment() {
        return path.length == 0 ? Event.METADATA : path[path.length - 1];
    }

    @Override
    public String toString() {
        return text;
    }
}
