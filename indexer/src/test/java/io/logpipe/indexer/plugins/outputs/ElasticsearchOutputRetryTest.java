package io.logpipe.indexer.plugins.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.search.Hit;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.SourcePosition;
import io.logpipe.testkit.ElasticsearchNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Elasticsearch saying "not now" (429, 502, 503 for a whole bulk request, or 429 for single items) never loses or
 * dead-letters an event: the output backs off and sends what was not written again, until it is. Each test runs a
 * real node behind {@link HttpFaultProxy}, which keeps refused documents from reaching the node, so a document
 * indexed with version 1 was sent through exactly once.
 */
class ElasticsearchOutputRetryTest {
    private static ElasticsearchNode node;
    private static ElasticsearchClient client;

    @TempDir
    Path data;

    @BeforeAll
    static void startNode() {
        node = ElasticsearchNode.shared();
        client = node.client();
    }

    @AfterAll
    static void closeClient() throws Exception {
        client._transport().close();
    }

    private ElasticsearchOutput output(String settings) {
        return ElasticsearchOutputs.create(settings, data);
    }

    private record Position(String topic, int partition, long offset) implements SourcePosition {
        @Override
        public void acknowledge() {
        }
    }

    private static List<Event> events(int count) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Event event = Event.withMessage("m" + i);
            event.setTimestamp(Instant.parse("2024-05-01T00:00:00Z"));
            event.setSource(new Position("app", 0, i));
            events.add(event);
        }
        return events;
    }

    /** Document id to version, for every document of the index. */
    private static Map<String, Long> versions(String index) throws Exception {
        client.indices().refresh(r -> r.index(index));
        Map<String, Long> versions = new TreeMap<>();
        for (Hit<Map> hit : client.search(s -> s.index(index).size(1000).version(true), Map.class).hits().hits()) {
            versions.put(hit.id(), hit.version());
        }
        return versions;
    }

    private static void assertEachIndexedOnce(String index, int count) throws Exception {
        Map<String, Long> versions = versions(index);
        assertEquals(count, versions.size(), "documents in " + index);
        for (int i = 0; i < count; i++) {
            assertEquals(1L, versions.get("app-0-" + i), "version of app-0-" + i);
        }
    }

    @ParameterizedTest(name = "bulk request answered {0}")
    @ValueSource(ints = {429, 502, 503})
    void aRefusedBulkRequestIsSentAgainWithGrowingBackoffUntilAccepted(int status) throws Exception {
        String index = "retry-whole-" + status;
        try (HttpFaultProxy proxy = new HttpFaultProxy(node.httpPort()).refuseBulk(2, status);
             ElasticsearchOutput output = output("hosts => [\"" + proxy.url() + "\"] index => \"" + index + "\""
                     + " retry_initial_interval => 0.1 retry_max_interval => 1")) {
            output.write(events(20));

            List<Long> arrivals = proxy.bulkArrivals();
            assertEquals(3, arrivals.size(), "two refused bulk requests, then the accepted one");
            assertTrue(arrivals.get(1) - arrivals.get(0) >= TimeUnit.MILLISECONDS.toNanos(100), "first backoff");
            assertTrue(arrivals.get(2) - arrivals.get(1) >= TimeUnit.MILLISECONDS.toNanos(200), "doubled backoff");
            assertEquals(40, output.retries(), "20 documents sent again, twice");
            assertEquals(20, output.documentsWritten());
            assertEquals(0, output.deadLetterQueue().count());
            assertEachIndexedOnce(index, 20);
        }
    }

    @Test
    void itemsRejectedWith429AreSentAgainAndOnlyItemsThatCanNeverSucceedAreDeadLettered() throws Exception {
        String index = "retry-items";
        client.indices().create(c -> c.index(index).mappings(m -> m.properties("status", p -> p.long_(l -> l))));
        List<Event> events = events(30);
        events.get(1).set("status", "not a number");
        // First request: items 0, 3, ..., 27 rejected (10); second request (those 10): its items 0, 3, 6, 9 (4).
        try (HttpFaultProxy proxy = new HttpFaultProxy(node.httpPort()).rejectItems(2, position -> position % 3 == 0);
             ElasticsearchOutput output = output("hosts => [\"" + proxy.url() + "\"] index => \"" + index + "\""
                     + " retry_initial_interval => 0.05")) {
            output.write(events);

            assertEquals(3, proxy.bulkArrivals().size());
            assertEquals(10 + 4, output.retries());
            assertEquals(29, output.documentsWritten());
            assertEquals(1, output.deadLetterQueue().count(), "only the mapping conflict is dead-lettered");
            Map<String, Long> versions = versions(index);
            assertEquals(29, versions.size());
            for (int i = 0; i < 30; i++) {
                assertEquals(i == 1 ? null : Long.valueOf(1), versions.get("app-0-" + i), "version of app-0-" + i);
            }
        }
    }

    @Test
    void aBatchOverTheBulkCapIsSplitIntoRequestsUnderIt() throws Exception {
        String index = "split-cap";
        // 2,000,000-byte messages: ten (and their action lines) fit under the 20 MiB cap, the eleventh does not
        List<Event> events = events(11);
        String big = "y".repeat(2_000_000);
        for (Event event : events) {
            event.set("message", big);
        }
        try (HttpFaultProxy proxy = new HttpFaultProxy(node.httpPort());
             ElasticsearchOutput output = output("hosts => [\"" + proxy.url() + "\"] index => \"" + index + "\"")) {
            output.write(events);

            assertEquals(2, proxy.bulkArrivals().size(), "ten documents, then one");
            assertEquals(11, output.documentsWritten());
            assertEquals(0, output.retries());
            assertEachIndexedOnce(index, 11);
        }
    }
}
