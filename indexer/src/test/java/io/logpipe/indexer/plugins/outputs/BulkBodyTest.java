package io.logpipe.indexer.plugins.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.EventJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The NDJSON the elasticsearch output sends: an action line and the event's JSON per document, nothing else. */
class BulkBodyTest {
    /** A line as the shipper sends it, read lazily by the json codec: @metadata with the id, no @version. */
    private static final String SHIPPED = "{\"@timestamp\":\"2024-07-01T10:00:00.000Z\",\"@metadata\":{\"beat\":"
            + "\"filebeat\",\"_id\":\"h1-3a9f-1200\"},\"message\":\"GET /caf\u00e9 \\\"x\\\"\\n\\tat y\",\"log\":"
            + "{\"offset\":1200,\"flags\":[\"multiline\"]}}";

    private static String text(BulkBody body) {
        return new String(body.array(), 0, body.size(), StandardCharsets.UTF_8);
    }

    @Test
    void writesTheActionLineAndTheEventsOwnBytesWithoutMetadata() throws IOException {
        Event shipped = Event.decodeLazily(SHIPPED.getBytes(StandardCharsets.UTF_8));
        Event built = Event.withMessage("built from fields");
        built.setTimestamp(Instant.parse("2024-07-01T10:00:01Z"));
        built.set("[http][status]", 200L);
        BulkBody body = new BulkBody("index");
        body.add("logs-2024.07.01", "h1-3a9f-1200", shipped);
        body.add("logs-2024.07.01", null, built);

        assertEquals(2, body.count());
        assertEquals("{\"index\":{\"_index\":\"logs-2024.07.01\",\"_id\":\"h1-3a9f-1200\"}}\n"
                + "{\"@timestamp\":\"2024-07-01T10:00:00.000Z\",\"message\":\"GET /caf\u00e9 \\\"x\\\"\\n\\tat y\","
                + "\"log\":{\"offset\":1200,\"flags\":[\"multiline\"]},\"@version\":\"1\"}\n"
                + "{\"index\":{\"_index\":\"logs-2024.07.01\"}}\n"
                + new String(EventJson.toJsonBytes(built), StandardCharsets.UTF_8) + "\n", text(body));
        assertEquals("{\"@timestamp\":\"2024-07-01T10:00:01.000Z\",\"@version\":\"1\",\"message\":"
                + "\"built from fields\",\"http\":{\"status\":200}}", new String(EventJson.toJsonBytes(built), StandardCharsets.UTF_8));
    }

    @Test
    void theCreateActionAndIdsThatNeedEscapes() throws IOException {
        BulkBody body = new BulkBody("create");
        String id = "a \"quoted\" \\ id \u00e9\u65e5\n\u0001";
        body.add("logs", id, Event.withMessage("x"));
        String[] lines = text(body).split("\n", -1);
        assertEquals(3, lines.length, text(body)); // action, document, and nothing after the last newline
        assertEquals("", lines[2]);
        Map<String, Object> action = EventJson.parseObject(lines[0].getBytes(StandardCharsets.UTF_8), 0,
                lines[0].getBytes(StandardCharsets.UTF_8).length);
        assertEquals(Map.of("create", Map.of("_index", "logs", "_id", id)), action);
        assertEquals("\"plain-id_1.2\"", new String(BulkBody.quoted("plain-id_1.2"), StandardCharsets.UTF_8));
    }

    @Test
    void truncateTakesTheLastDocumentsBackOutAndClearKeepsTheArray() throws IOException {
        BulkBody body = new BulkBody("index");
        body.add("a", "1", Event.withMessage("one"));
        int size = body.size();
        byte[] first = Arrays.copyOf(body.array(), size);
        body.add("b", "2", Event.withMessage("two"));
        body.truncate(size, 1);
        assertEquals(1, body.count());
        assertEquals(new String(first, StandardCharsets.UTF_8), text(body));
        Event three = Event.withMessage("three");
        body.add("a", "3", three);
        assertEquals(new String(first, StandardCharsets.UTF_8) + "{\"index\":{\"_index\":\"a\",\"_id\":\"3\"}}\n"
                + new String(EventJson.toJsonBytes(three), StandardCharsets.UTF_8) + "\n", text(body));
        byte[] array = body.array();
        body.clear();
        assertEquals(0, body.size());
        assertEquals(0, body.count());
        assertTrue(array == body.array() && body.worthKeeping());
    }

    @Test
    void growsPastItsFirstArrayAndIsNotKeptOnceVeryLarge() throws IOException {
        BulkBody body = new BulkBody("index");
        String big = "x".repeat(BulkBody.KEPT_CAPACITY);
        body.add("logs", "1", Event.withMessage(big));
        assertEquals(1, body.count());
        List<String> lines = List.of(text(body).split("\n"));
        assertTrue(lines.get(1).contains(big));
        assertTrue(!body.worthKeeping());
    }
}
