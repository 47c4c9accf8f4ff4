package io.logpipe.indexer.plugins.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Each item's status and error, in order, from bulk responses as Elasticsearch and proxies write them. */
class BulkResultTest {
    private static BulkResult read(String json, int expected) throws IOException {
        return BulkResult.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), expected);
    }

    @Test
    void readsStatusesAndErrorsInOrder() throws IOException {
        // as filter_path leaves it, with a mapping conflict and a rejection among accepted documents
        BulkResult result = read("{\"errors\":true,\"items\":[{\"index\":{\"status\":201}},{\"index\":{\"status\":400,"
                + "\"error\":{\"type\":\"document_parsing_exception\",\"reason\":\"failed to parse field [status]\"}}},"
                + "{\"create\":{\"status\":409,\"error\":{\"type\":\"version_conflict_engine_exception\",\"reason\":"
                + "\"[x]: version conflict\"}}},{\"index\":{\"status\":429,\"error\":{\"type\":"
                + "\"es_rejected_execution_exception\",\"reason\":\"rejected\",\"caused_by\":{\"type\":\"x\"}}}},"
                + "{\"index\":{\"status\":200}}]}", 5);
        assertEquals(5, result.count());
        assertEquals(201, result.status(0));
        assertNull(result.error(0));
        assertEquals(400, result.status(1));
        assertEquals("document_parsing_exception: failed to parse field [status]", result.error(1));
        assertEquals(409, result.status(2));
        assertEquals("version_conflict_engine_exception: [x]: version conflict", result.error(2));
        assertEquals(429, result.status(3));
        assertEquals("es_rejected_execution_exception: rejected", result.error(3));
        assertEquals(200, result.status(4));
        assertNull(result.error(4));
    }

    @Test
    void unfilteredResponsesAndMoreItemsThanExpectedAreReadToo() throws IOException {
        // what a node answers without filter_path: took, _index, _id, _version, result, _shards, ... around status
        String item = "{\"index\":{\"_index\":\"t\",\"_id\":\"%d\",\"_version\":1,\"result\":\"created\",\"_shards\":"
                + "{\"total\":1,\"successful\":1,\"failed\":0},\"_seq_no\":0,\"_primary_term\":1,\"status\":201}}";
        StringBuilder json = new StringBuilder("{\"took\":3,\"errors\":false,\"items\":[");
        for (int i = 0; i < 5; i++) {
            json.append(i == 0 ? "" : ",").append(String.format(item, i));
        }
        BulkResult result = read(json.append("]}").toString(), 2);
        assertEquals(5, result.count(), "the caller compares the count with what it sent");
        for (int i = 0; i < 5; i++) {
            assertEquals(201, result.status(i));
            assertNull(result.error(i));
        }
        assertEquals(0, read("{\"took\":0,\"errors\":false,\"items\":[]}", 3).count());
    }

    @Test
    void whatIsNotABulkResponseFails() {
        IOException array = assertThrows(IOException.class, () -> read("[1,2]", 1));
        assertTrue(array.getMessage().startsWith("bulk response: expected START_OBJECT but found START_ARRAY"),
                array.getMessage());
        IOException item = assertThrows(IOException.class, () -> read("{\"items\":[\"x\"]}", 1));
        assertTrue(item.getMessage().contains("found VALUE_STRING"), item.getMessage());
        assertThrows(IOException.class, () -> read("{\"items\":[{\"index\":{\"status\":201}}", 1), "cut short");
    }
}
