package io.logpipe.indexer.plugins.outputs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.logpipe.indexer.event.EventJson;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * What a {@code _bulk} response says of each document, in the order they were sent: its HTTP status and, for one
 * that failed, the error's {@code type: reason}. Read with the streaming parser from a response filtered to
 * {@link #FILTER_PATH}, so that Elasticsearch writes, and we read, only that: an accepted document's item is
 * {@code {"index":{"status":201}}}.
 */
final class BulkResult {
    /** The response's filter_path: the only parts of it read back. */
    static final String FILTER_PATH = "errors,items.*.status,items.*.error.type,items.*.error.reason";
    private static final JsonFactory FACTORY = EventJson.MAPPER.getFactory();

    private int[] statuses;
    private String[] errors;
    private int count;

    private BulkResult(int expected) {
        statuses = new int[Math.max(expected, 1)];
    }

    /** Items in the response: one per document sent, unless Elasticsearch answered something else. */
    int count() {
        return count;
    }

    int status(int item) {
        return statuses[item];
    }

    /** {@code type: reason} of the item's error, or null when it has none. */
    String error(int item) {
        return errors == null ? null : errors[item];
    }

    /** Reads a bulk response; {@code expected} (the documents sent) sizes the arrays. */
    static BulkResult read(InputStream in, int expected) throws IOException {
        BulkResult result = new BulkResult(expected);
        try (JsonParser p = FACTORY.createParser(in)) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT);
            String field;
            while ((field = p.nextFieldName()) != null) {
                JsonToken value = p.nextToken();
                if (field.equals("items") && value == JsonToken.START_ARRAY) {
                    JsonToken item;
                    while ((item = p.nextToken()) != JsonToken.END_ARRAY) {
                        expect(p, item, JsonToken.START_OBJECT);
                        result.readItem(p);
                    }
                } else {
                    p.skipChildren(); // errors, and anything else a filter_path-less proxy lets through
                }
            }
        }
        return result;
    }

    /** {@code {"index":{"status":N,"error":{"type":..,"reason":..}}}}, the parser on its opening brace. */
    private void readItem(JsonParser p) throws IOException {
        int status = 0;
        String error = null;
        while (p.nextFieldName() != null) { // the action: index, create, ...
            expect(p, p.nextToken(), JsonToken.START_OBJECT);
            String field;
            while ((field = p.nextFieldName()) != null) {
                JsonToken value = p.nextToken();
                if (field.equals("status") && value == JsonToken.VALUE_NUMBER_INT) {
                    status = p.getIntValue();
                } else if (field.equals("error") && value == JsonToken.START_OBJECT) {
                    error = readError(p);
                } else if (field.equals("error") && value == JsonToken.VALUE_STRING) {
                    error = p.getText();
                } else {
                    p.skipChildren();
                }
            }
        }
        if (count == statuses.length) {
            statuses = Arrays.copyOf(statuses, count * 2);
            if (errors != null) {
                errors = Arrays.copyOf(errors, count * 2);
            }
        }
        statuses[count] = status;
        if (error != null) {
            if (errors == null) {
                errors = new String[statuses.length];
            }
            errors[count] = error;
        }
        count++;
    }

    private static String readError(JsonParser p) throws IOException {
        String type = null;
        String reason = null;
        String field;
        while ((field = p.nextFieldName()) != null) {
            JsonToken value = p.nextToken();
            if (field.equals("type") && value == JsonToken.VALUE_STRING) {
                type = p.getText();
            } else if (field.equals("reason") && value == JsonToken.VALUE_STRING) {
                reason = p.getText();
            } else {
                p.skipChildren();
            }
        }
        return type + ": " + reason;
    }

    private static void expect(JsonParser p, JsonToken actual, JsonToken expected) throws IOException {
        if (actual != expected) {
            throw new IOException("bulk response: expected " + expected + " but found " + actual + " at byte "
                    + p.currentLocation().getByteOffset());
        }
    }
}
