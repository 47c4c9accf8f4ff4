package io.logpipe.shipper.event;

import io.logpipe.shipper.registry.FileIdentity;
import java.util.Map;

/**
 * One log event on its way from a harvester to the output: a line (or a multiline group) of one file, with what
 * the registry needs to advance once the output has acknowledged it.
 *
 * <p>Filtered lines (include_lines / exclude_lines) travel too, as events with {@link #published} false: they are
 * never sent, but the file's acknowledged offset must still move past them in order.
 */
public final class Event {
    public static final int FLAG_MULTILINE = 1;
    public static final int FLAG_TRUNCATED = 2;

    public final long timestampMillis;
    /** The message; {@link #message()} is it as a String. */
    public final MessageText text;
    /** The path as matched by the input's glob (a symlink stays a symlink). */
    public final String path;
    /** Byte offset of the event's first line. */
    public final long offset;
    /** Byte offset just after the event's last line: where the file resumes once this event is acknowledged. */
    public final long endOffset;
    public final int flags;
    public final InputFields input;
    /** Decoded by {@code json.*}; null when JSON decoding is off or failed. */
    public final Map<String, Object> json;
    /** Why JSON decoding failed; null otherwise. */
    public final String jsonError;
    public final boolean published;
    /** Told when the output acknowledged this event (the file's registry entry). */
    public final Acknowledgeable source;
    /**
     * The file as far as this event knows it: device, inode, and the fingerprint of its first
     * {@code min(endOffset, FINGERPRINT_BYTES)} bytes, all of them read before or with the event, so reading the same
     * bytes of the same file again gives the same value whatever was read after them. With {@link #offset} and the
     * host it makes the event's id ({@link EventId}); null for an event without one.
     */
    public final FileIdentity file;

    public Event(long timestampMillis, String message, String path, long offset, long endOffset, int flags,
                 InputFields input, Map<String, Object> json, String jsonError, boolean published,
                 Acknowledgeable source) {
        this(timestampMillis, message, path, offset, endOffset, flags, input, json, jsonError, published, source, null);
    }

    public Event(long timestampMillis, String message, String path, long offset, long endOffset, int flags,
                 InputFields input, Map<String, Object> json, String jsonError, boolean published,
                 Acknowledgeable source, FileIdentity file) {
        this(timestampMillis, MessageText.of(message), path, offset, endOffset, flags, input, json, jsonError, published,
                source, file);
    }

    public Event(long timestampMillis, MessageText text, String path, long offset, long endOffset, int flags,
                 InputFields input, Map<String, Object> json, String jsonError, boolean published,
                 Acknowledgeable source, FileIdentity file) {
        this.timestampMillis = timestampMillis;
        this.text = text;
        this.path = path;
        this.offset = offset;
        this.endOffset = endOffset;
        this.flags = flags;
        this.input = input;
        this.json = json;
        this.jsonError = jsonError;
        this.published = published;
        this.source = source;
        this.file = file;
    }

    public String message() {
        return text.string();
    }

    /** Whoever must learn that the output acknowledged every event of a file up to an offset. */
    public interface Acknowledgeable {
        void acknowledged(long endOffset);
    }
}
