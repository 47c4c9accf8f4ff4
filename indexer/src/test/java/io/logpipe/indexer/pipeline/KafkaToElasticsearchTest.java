package io.logpipe.indexer.pipeline;

import static io.logpipe.indexer.pipeline.KafkaFixtures.committedTotal;
import static io.logpipe.indexer.pipeline.KafkaFixtures.produce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.logpipe.indexer.config.ConfigSource;
import io.logpipe.indexer.event.EventJson;
import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped pipelines/kafka_to_es.conf, unchanged, from a real Kafka broker into a real Elasticsearch node. */
class KafkaToElasticsearchTest {
    private static KafkaBroker broker;
    private static ElasticsearchNode node;
    private static ElasticsearchClient client;

    @TempDir
    Path data;

    @BeforeAll
    static void start() {
        broker = KafkaBroker.shared();
        node = ElasticsearchNode.shared();
        client = node.client();
    }

    @AfterAll
    static void close() throws Exception {
        // The node is shared with the prune tests, which count every nginx.access-* index: leave none behind.
        client.indices().delete(d -> d.index("nginx.access-2024.03.01", "nginx.access-2024.03.02").ignoreUnavailable(true));
        client._transport().close();
    }

    static long count(ElasticsearchClient client, String index) {
        try {
            client.indices().refresh(r -> r.index(index).ignoreUnavailable(true).allowNoIndices(true));
            return client.count(c -> c.index(index).ignoreUnavailable(true).allowNoIndices(true)).count();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void shippedPipelineLandsEachDocumentInTheIndexOfItsOwnDay() throws Exception {
        broker.createTopic("nginx.access", 2);
        List<String> day1 = new ArrayList<>();
        List<String> day2 = new ArrayList<>();
        Instant start = Instant.parse("2024-03-01T23:59:00Z");
        for (int i = 0; i < 120; i++) {
            // one second apart: the first 60 on March 1st, the rest on March 2nd (UTC)
            (i < 60 ? day1 : day2).add(NginxEvents.json(i, start, 1000));
        }
        produce(broker, "nginx.access", 0, day1);
        produce(broker, "nginx.access", 1, day2);
        produce(broker, "nginx.access", 1, List.of("not json at all"));

        System.setProperty("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        System.setProperty("ELASTICSEARCH_URL", node.url());
        Path shipped = io.logpipe.indexer.config.ConfigParserTest.findRepoFile("pipelines/kafka_to_es.conf");
        Pipeline pipeline = new Pipeline(ConfigSource.fromPath(shipped.toString()), new PipelineSettings("main", 2, 125, 50, data));
        try (MonitoringApi api = MonitoringApi.start("127.0.0.1", 0, List.of(pipeline))) {
            pipeline.start();
            Wait.until("121 documents", Duration.ofSeconds(90), () -> count(client, "nginx.access-*") == 121);
            assertEquals(60, count(client, "nginx.access-2024.03.01"));
            assertEquals(60, count(client, "nginx.access-2024.03.02"));
            Map<?, ?> doc = client.get(g -> g.index("nginx.access-2024.03.02").id("nginx.access-1-0"), Map.class).source();
            assertEquals(60L, ((Number) doc.get("seq")).longValue());
            assertEquals("2024-03-02T00:00:00.000Z", doc.get("@timestamp"));
            // Invalid JSON is indexed too, tagged, with its raw text: never dropped.
            Map<?, ?> raw = client.search(s -> s.index("nginx.access-*").query(q -> q.term(t -> t.field("tags")
                    .value("_jsonparsefailure"))), Map.class).hits().hits().get(0).source();
            assertEquals("not json at all", raw.get("message"));
            Wait.until("offsets committed", Duration.ofSeconds(30), () -> {
                try {
                    return committedTotal(broker, "logstash") == 121;
                } catch (Exception e) {
                    return false;
                }
            });

            // The input reports its lag from its own periodic end-offset lookup, not with each commit.
            Wait.until("the kafka input to report its lag", Duration.ofSeconds(30),
                    () -> pipeline.consumerLag().containsKey("nginx.access-0"));
            HttpResponse<String> stats = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + api.port() + "/_node/stats/pipelines")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, stats.statusCode());
            Map<String, Object> body = EventJson.parseObject(stats.body().getBytes(), 0, stats.body().getBytes().length);
            Map<?, ?> main = (Map<?, ?>) ((Map<?, ?>) body.get("pipelines")).get("main");
            assertEquals(Map.of("in", 121L, "filtered", 121L, "out", 121L, "queued", 0L), main.get("events"));
            List<?> outputs = (List<?>) ((Map<?, ?>) main.get("plugins")).get("outputs");
            assertEquals(1, outputs.size(), "the shipped pipeline's one output (stdout is a commented example)");
            assertEquals("elasticsearch", ((Map<?, ?>) outputs.get(0)).get("name"));
            assertEquals(121L, ((Map<?, ?>) ((Map<?, ?>) outputs.get(0)).get("events")).get("out"));
            assertEquals(Map.of("count", 0L), main.get("dead_letter_queue"));
            assertTrue(((Map<?, ?>) main.get("consumer_lag")).containsKey("nginx.access-0"), main.toString());
        } finally {
            pipeline.stop();
            System.clearProperty("KAFKA_BOOTSTRAP_SERVERS");
            System.clearProperty("ELASTICSEARCH_URL");
        }
        assertTrue(Files.notExists(data.resolve("dead_letter_queue/main/dlq.jsonl")));
    }
}
