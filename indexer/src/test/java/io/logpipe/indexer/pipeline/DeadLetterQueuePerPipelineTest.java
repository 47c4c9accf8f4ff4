package io.logpipe.indexer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.logpipe.indexer.config.ConfigSource;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.EventJson;
import io.logpipe.testkit.ElasticsearchNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each pipeline has one dead-letter queue, {@code path.dead_letter_queue/<pipeline id>/}, that all of its outputs
 * write through; each output counts what it dead-lettered in its own stats, the pipeline counts its queue.
 */
class DeadLetterQueuePerPipelineTest {
    private static ElasticsearchNode node;
    private static ElasticsearchClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void startNode() throws Exception {
        node = ElasticsearchNode.shared();
        client = node.client();
        client.indices().create(c -> c.index("dlq-per-pipeline")
                .mappings(m -> m.properties("status", p -> p.long_(l -> l))));
    }

    @AfterAll
    static void closeClient() throws Exception {
        client._transport().close();
    }

    private Pipeline pipeline(String id, Path queues) {
        String config = """
                output {
                  elasticsearch { id => "first" hosts => ["%1$s"] index => "dlq-per-pipeline" }
                  if [copy] { elasticsearch { hosts => ["%1$s"] index => "dlq-per-pipeline" } }
                }
                """.formatted(node.url());
        return new Pipeline(ConfigSource.fromString(config), new PipelineSettings(id, 1, 10, 5, dir.resolve("data"),
                PipelineSettings.DEFAULT_SHUTDOWN_TIMEOUT, queues));
    }

    private static Event conflicting(String message, boolean copy) {
        Event event = Event.withMessage(message);
        event.set("status", "not a number");
        if (copy) {
            event.set("copy", true);
        }
        return event;
    }

    private static List<Map<String, Object>> entries(Path file) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(EventJson.parseObject(line.getBytes(), 0, line.getBytes().length));
        }
        return out;
    }

    @Test
    void everyOutputOfAPipelineWritesToThePipelinesOneQueueAndCountsItsOwnFailures() throws Exception {
        Path queues = dir.resolve("dlq");
        Pipeline a = pipeline("a", queues);
        Pipeline b = pipeline("b", queues);
        try {
            a.process(List.of(conflicting("to both", true), conflicting("to the first", false)));
            b.process(List.of(conflicting("from b", false)));

            List<Map<String, Object>> ofA = entries(queues.resolve("a/dlq.jsonl"));
            assertEquals(List.of("first", "first", "elasticsearch_2"),
                    ofA.stream().map(e -> e.get("plugin_id")).toList(), "one file, the entries of both outputs");
            assertEquals(List.of("to both", "to the first", "to both"),
                    ofA.stream().map(e -> ((Map<?, ?>) e.get("event")).get("message")).toList());
            assertEquals(List.of("from b"), entries(queues.resolve("b/dlq.jsonl")).stream()
                    .map(e -> ((Map<?, ?>) e.get("event")).get("message")).toList(), "b has a queue of its own");
            assertTrue(Files.notExists(dir.resolve("data/dead_letter_queue")), "path.dead_letter_queue is used");

            assertEquals(3, a.deadLetterCount());
            assertEquals(1, b.deadLetterCount());
            Map<String, Object> stats = MonitoringApi.stats(a);
            assertEquals(Map.of("count", 3L), stats.get("dead_letter_queue"));
            List<?> outputs = (List<?>) ((Map<?, ?>) stats.get("plugins")).get("outputs");
            Map<?, ?> first = (Map<?, ?>) outputs.get(0);
            Map<?, ?> second = (Map<?, ?>) outputs.get(1);
            assertEquals("first", first.get("id"));
            assertEquals(2L, first.get("failures"));
            assertEquals(0L, first.get("retries"));
            assertTrue(first.get("last_failure").toString().contains("parsing_exception"), first.toString());
            assertEquals(Map.of("in", 2L, "out", 2L), Map.of("in", ((Map<?, ?>) first.get("events")).get("in"),
                    "out", ((Map<?, ?>) first.get("events")).get("out")), "dead-lettered events count as handled");
            assertEquals("elasticsearch_2", second.get("id"));
            assertEquals(1L, second.get("failures"));
        } finally {
            a.stop();
            b.stop();
        }
    }

    @Test
    void withoutPathDeadLetterQueueEachPipelineKeepsItsQueueUnderPathData() throws Exception {
        Path data = dir.resolve("data");
        Pipeline main = new Pipeline(ConfigSource.fromString("output { elasticsearch { hosts => [\"" + node.url()
                + "\"] index => \"dlq-per-pipeline\" } }"), new PipelineSettings("main", 1, 10, 5, data));
        try {
            main.process(List.of(conflicting("under path.data", false)));
            Map<?, ?> output = (Map<?, ?>) ((List<?>) ((Map<?, ?>) MonitoringApi.stats(main).get("plugins"))
                    .get("outputs")).get(0);
            assertEquals("elasticsearch_1", output.get("id"));
            assertEquals(1, entries(data.resolve("dead_letter_queue/main/dlq.jsonl")).size());
        } finally {
            main.stop();
        }
    }
}
