package io.logpipe.indexer.plugins.outputs;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.EventJson;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The body of one {@code _bulk} request as Elasticsearch reads it, NDJSON: per document an action line
 * ({@code {"index":{"_index":"...","_id":"..."}}}) and the document on the next line. Written straight into one
 * growing byte array that the request then sends as it is: each event's JSON goes in as the pieces its write-through
 * path gives ({@link EventJson#write}), so a document is neither copied into an array of its own nor handed to a
 * per-operation generator, mapper or buffer, as elasticsearch-java's typed bulk request does (that was about half
 * of the indexer's CPU). The output reuses a body from one request to the next. Not thread-safe.
 */
final class BulkBody extends OutputStream {
    /** Bodies that grew past this are not kept for the next request (a 20 MB array per worker is too much to hold). */
    static final int KEPT_CAPACITY = 4 * 1024 * 1024;
    private static final byte[] INDEX = "{\"index\":{\"_index\":".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CREATE = "{\"create\":{\"_index\":".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ID = ",\"_id\":".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ACTION_END = "}}\n".getBytes(StandardCharsets.UTF_8);

    private final byte[] action;
    private byte[] bytes = new byte[64 * 1024];
    private int size;
    private int count;
    /** The last index name and its JSON string: most documents of a bulk go to the same index. */
    private String lastIndex;
    private byte[] lastIndexJson;

    /** A body for {@code action} ("index" or "create"). */
    BulkBody(String action) {
        this.action = action.equals("create") ? CREATE : INDEX;
    }

    /** Appends one document: its action line, then the event's JSON on one line. */
    void add(String index, String id, Event event) throws IOException {
        write(action);
        if (!index.equals(lastIndex)) {
            lastIndexJson = quoted(index);
            lastIndex = index;
        }
        write(lastIndexJson);
        if (id != null) {
            write(ID);
            write(quoted(id));
        }
        write(ACTION_END);
        EventJson.write(event, this);
        write('\n');
        count++;
    }

    /** Documents in the body. */
    int count() {
        return count;
    }

    /** Bytes in the body; the request sends {@link #array()} from 0 to this. */
    int size() {
        return size;
    }

    byte[] array() {
        return bytes;
    }

    /** Takes the documents after the first {@code size} bytes ({@code count} documents) back out. */
    void truncate(int size, int count) {
        this.size = size;
        this.count = count;
    }

    /** Empties the body for the next request, keeping its array. */
    void clear() {
        size = 0;
        count = 0;
    }

    /** Whether the array is small enough to keep for the next request. */
    boolean worthKeeping() {
        return bytes.length <= KEPT_CAPACITY;
    }

    /**
     * A JSON string: most index names and ids are printable ASCII without quotes or backslashes, written as they are;
     * anything else is escaped as JSON wants.
     */
    static byte[] quoted(String text) {
        int n = text.length();
        byte[] out = new byte[n + 2];
        out[0] = '"';
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(text);
                byte[] general = new byte[escaped.length + 2];
                general[0] = '"';
                System.arraycopy(escaped, 0, general, 1, escaped.length);
                general[general.length - 1] = '"';
                return general;
            }
            out[i + 1] = (byte) c;
        }
        out[n + 1] = '"';
        return out;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }

    @Override
    public void write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b) {
        write(b, 0, b.length);
    }

    @Override
    public void write(byte[] b, int offset, int length) {
        ensure(length);
        System.arraycopy(b, offset, bytes, size, length);
        size += length;
    }
}
