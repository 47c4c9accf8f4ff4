package io.logpipe.indexer.plugins.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.logpipe.common.config.ConfigException;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.EventJson;
import io.logpipe.indexer.event.SourcePosition;
import io.logpipe.indexer.plugins.Output;
import io.logpipe.indexer.plugins.outputs.ElasticsearchOutputs.PendingWrite;
import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.Wait;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElasticsearchOutputTest {
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

    /** A Kafka record position as the kafka input would attach it. */
    private record Position(String topic, int partition, long offset, AtomicInteger acks) implements SourcePosition {
        @Override
        public void acknowledge() {
            acks.incrementAndGet();
        }
    }

    private static Event event(String timestamp, String message, long offset) {
        Event event = Event.withMessage(message);
        event.setTimestamp(Instant.parse(timestamp));
        event.setSource(new Position("nginx.access", 3, offset, new AtomicInteger()));
        return event;
    }

    private static long count(String index) throws Exception {
        client.indices().refresh(r -> r.index(index));
        return client.count(c -> c.index(index)).count();
    }

    @Test
    void indexesIntoTheDayOfEachEventsTimestampWithIdsFromTopicPartitionOffset() throws Exception {
        try (ElasticsearchOutput output = output("hosts => [\"" + node.url() + "\"] index => \"t1-%{+YYYY.MM.dd}\"")) {
            List<Event> batch = List.of(event("2024-12-30T23:59:59Z", "a", 10), event("2024-12-31T00:00:00Z", "b", 11),
                    event("2024-12-31T12:00:00Z", "c", 12));
            output.write(batch);
            assertEquals(1, count("t1-2024.12.30"));
            assertEquals(2, count("t1-2024.12.31"));
            Map<?, ?> doc = client.get(g -> g.index("t1-2024.12.31").id("nginx.access-3-12"), Map.class).source();
            assertEquals("c", doc.get("message"));
            assertEquals("2024-12-31T12:00:00.000Z", doc.get("@timestamp"));

            // A replay after a crash (same records, same offsets) overwrites instead of duplicating.
            output.write(List.of(event("2024-12-30T23:59:59Z", "a", 10), event("2024-12-31T00:00:00Z", "b", 11),
                    event("2024-12-31T12:00:00Z", "c", 12)));
            assertEquals(1, count("t1-2024.12.30"));
            assertEquals(2, count("t1-2024.12.31"));
        }
    }

    /** A shipped line as the kafka input's json codec reads it: lazily, with the shipper's id in @metadata. */
    private static Event shipped(String id, String message, long offset) {
        byte[] json = ("{\"@timestamp\":\"2024-12-31T12:00:00.000Z\",\"@metadata\":{\"beat\":\"filebeat\",\"_id\":\""
                + id + "\"},\"message\":\"" + message + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Event event = Event.decodeLazily(json);
        event.setSource(new Position("app", 0, offset, new AtomicInteger()));
        return event;
    }

    @Test
    void theEventsOwnIdFromMetadataIsTheDocumentId_soALineShippedTwiceIsOneDocument() throws Exception {
        try (ElasticsearchOutput output = output("hosts => [\"" + node.url() + "\"] index => \"t9\"")) {
            output.write(List.of(shipped("line-a", "a", 10), shipped("line-b", "b", 11)));
            // the shipper restarted before its registry was written: the same lines again, at new Kafka offsets
            output.write(List.of(shipped("line-a", "a", 12), shipped("line-b", "b", 13)));
            assertEquals(2, count("t9"));
            Map<?, ?> doc = client.get(g -> g.index("t9").id("line-b"), Map.class).source();
            assertEquals("b", doc.get("message"));
            assertFalse(doc.containsKey("@metadata"), "metadata is never written");

            Event withoutId = event("2024-12-31T12:00:00Z", "c", 14);
            assertEquals("nginx.access-3-14", output.documentId(withoutId), "no id of its own: topic-partition-offset");
        }
        try (ElasticsearchOutput output = output("hosts => [\"" + node.url() + "\"] index => \"t9\""
                + " document_id => \"%{message}\"")) {
            assertEquals("a", output.documentId(shipped("line-a", "a", 10)), "the pipeline's document_id wins");
        }
    }

    @Test
    void documentIdSettingAndCreateActionTreatAnExistingDocumentAsWritten() throws Exception {
        try (ElasticsearchOutput output = output("hosts => \"" + node.url() + "\" index => \"t2\" action => create"
                + " document_id => \"%{[req][id]}\"")) {
            Event first = Event.withMessage("x");
            first.set("[req][id]", "r-1");
            output.write(List.of(first));
            Event again = Event.withMessage("x again");
            again.set("[req][id]", "r-1");
            output.write(List.of(again));
            assertEquals(1, count("t2"));
            assertEquals(0, output.deadLetterQueue().count());
            Map<?, ?> doc = client.get(g -> g.index("t2").id("r-1"), Map.class).source();
            assertEquals("x", doc.get("message"));
        }
    }

    @Test
    void mappingConflictsGoToTheDeadLetterQueueAndTheRestIsIndexed() throws Exception {
        client.indices().create(c -> c.index("t3").mappings(m -> m.properties("status", p -> p.long_(l -> l))));
        try (ElasticsearchOutput output = output("hosts => [\"" + node.url() + "\"] index => \"t3\"")) {
            Event good = event("2024-01-01T00:00:00Z", "ok", 1);
            good.set("status", 200L);
            Event conflict = event("2024-01-01T00:00:00Z", "bad", 2);
            conflict.set("status", "not a number");
            output.write(List.of(good, conflict));
            assertEquals(1, count("t3"));
            assertEquals(1, output.deadLetterQueue().count());
            Path dlq = data.resolve("dead_letter_queue/main/dlq.jsonl");
            List<String> lines = Files.readAllLines(dlq);
            assertEquals(1, lines.size());
            Map<String, Object> entry = EventJson.parseObject(lines.get(0).getBytes(), 0, lines.get(0).length());
            assertEquals("t3", entry.get("index"));
            assertEquals("nginx.access-3-2", entry.get("id"));
            assertEquals(400L, entry.get("status"));
            assertTrue(entry.get("reason").toString().startsWith("document_parsing_exception")
                    || entry.get("reason").toString().startsWith("mapper_parsing_exception"), entry.get("reason").toString());
            assertEquals("not a number", ((Map<?, ?>) entry.get("event")).get("status"));
        }
    }

    @Test
    void elasticsearchDownForAWhileThenUpLosesNothing() throws Exception {
        try (TcpGate gate = new TcpGate(node.httpPort());
             ElasticsearchOutput output = output("hosts => [\"http://127.0.0.1:" + gate.port() + "\"] index => \"t4\""
                     + " retry_initial_interval => 0.2 retry_max_interval => 1")) {
            List<Event> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(event("2024-01-01T00:00:00Z", "m" + i, i));
            }
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    output.write(batch);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            writer.start();
            Wait.until("two retries while Elasticsearch is down", Duration.ofSeconds(30), () -> output.retries() >= 2);
            assertTrue(writer.isAlive(), "the write must wait for Elasticsearch, not give up");
            assertTrue(output.retries() >= 2, "retried while down: " + output.retries());
            gate.open();
            writer.join(30_000);
            assertFalse(writer.isAlive());
            assertEquals(null, failure.get());
            assertEquals(50, count("t4"));
            assertEquals(0, output.deadLetterQueue().count());
        }
    }

    @Test
    void failsOverToTheNextHostWhenOneIsDown() throws Exception {
        try (ElasticsearchOutput output = output("hosts => [\"http://127.0.0.1:1\", \"" + node.url() + "\"] index => \"t5\""
                + " retry_initial_interval => 0.2")) {
            List<Event> batch = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                batch.add(event("2024-01-01T00:00:00Z", "m" + i, i));
            }
            output.write(batch);
            output.write(batch.subList(0, 5));
            assertEquals(10, count("t5"));
        }
    }

    @Test
    void authenticatesWithUserAndPasswordFromTheEnvironment() throws Exception {
        ElasticsearchNode secured = ElasticsearchNode.sharedSecured();
        System.setProperty("LOGPIPE_TEST_ES_PASSWORD", ElasticsearchNode.SECURED_PASSWORD);
        try (ElasticsearchOutput output = output("hosts => [\"" + secured.url() + "\"] index => \"t6\" user => \""
                + ElasticsearchNode.SECURED_USER + "\" password => \"${LOGPIPE_TEST_ES_PASSWORD}\"")) {
            output.write(List.of(event("2024-01-01T00:00:00Z", "secret", 1)));
        } finally {
            System.clearProperty("LOGPIPE_TEST_ES_PASSWORD");
        }
        ElasticsearchClient securedClient = secured.client();
        try {
            securedClient.indices().refresh(r -> r.index("t6"));
            assertEquals(1, securedClient.count(c -> c.index("t6")).count());
        } finally {
            securedClient._transport().close();
        }
    }

    @Test
    void authenticatesWithAnApiKeyGivenAsIdColonKeyAndAWrongKeyIsRetriedWithAClearError() throws Exception {
        ElasticsearchNode secured = ElasticsearchNode.sharedSecured();
        ElasticsearchClient securedClient = secured.client();
        try {
            var key = securedClient.security().createApiKey(k -> k.name("logpipe-output-test"));
            try (ElasticsearchOutput output = output("hosts => [\"" + secured.url() + "\"] index => \"t7\" api_key => \""
                    + key.id() + ":" + key.apiKey() + "\"")) {
                output.write(List.of(event("2024-01-01T00:00:00Z", "with a key", 1), event("2024-01-01T00:00:00Z", "and", 2)));
                assertEquals(0, output.retries());
            }
            securedClient.indices().refresh(r -> r.index("t7"));
            assertEquals(2, securedClient.count(c -> c.index("t7")).count());

            try (ElasticsearchOutput output = output("hosts => [\"" + secured.url() + "\"] index => \"t7\" api_key => \""
                    + key.id() + ":not-the-key\" retry_initial_interval => 0.1 retry_max_interval => 0.2")) {
                PendingWrite write = new PendingWrite(output, List.of(event("2024-01-01T00:00:00Z", "rejected key", 3)));
                assertTrue(write.stillRetryingAfter(output, 2), "a rejected key keeps the events until the key works");
                assertTrue(output.lastFailure().startsWith("Elasticsearch rejected the credentials (check user/password"
                        + " or api_key)"), output.lastFailure());
                assertTrue(output.lastFailure().contains("security_exception"), output.lastFailure());
                assertEquals(0, output.deadLetterQueue().count());
                Throwable outcome = write.interrupt();
                assertTrue(outcome instanceof InterruptedException, String.valueOf(outcome));
            }
            securedClient.indices().refresh(r -> r.index("t7"));
            assertEquals(2, securedClient.count(c -> c.index("t7")).count());
        } finally {
            securedClient._transport().close();
        }
    }

    @Test
    void wrongSettingsFailAtStart() {
        ConfigException action = assertThrows(ConfigException.class, () -> output("action => \"delete\""));
        assertTrue(action.getMessage().contains("setting 'action': expected one of index, create"), action.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> output("hostz => [\"x\"]"));
        assertTrue(unknown.getMessage().startsWith("test.conf:1:26: unknown setting 'hostz' for output 'elasticsearch'"),
                unknown.getMessage());
        ConfigException auth = assertThrows(ConfigException.class, () -> output("user => \"u\""));
        assertTrue(auth.getMessage().contains("password"), auth.getMessage());
        ConfigException apiKey = assertThrows(ConfigException.class, () -> output("api_key => \"bm90LWlkLWNvbG9uLWtleQ==\""));
        assertTrue(apiKey.getMessage().contains("api_key must be \"id:api_key\""), apiKey.getMessage());
    }
}
