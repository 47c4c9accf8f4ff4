package io.logpipe.console.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.logpipe.console.ConsoleFixture;
import io.logpipe.console.FailingIndexer;
import io.logpipe.console.es.ElasticsearchRest;
import io.logpipe.console.queue.QueueService;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** The stalled stages' reasons, on the real queue and Elasticsearch node of {@link ConsoleFixture}. */
class PipelineMonitorTest {
    @Test
    void aGroupWithoutConsumersWhileMessagesWaitIsStalledAndSaysSo() throws Exception {
        ConsoleFixture f = ConsoleFixture.shared();
        String group = "nobody-reads-" + System.nanoTime();
        Properties props = new Properties();
        props.put("bootstrap.servers", f.broker.bootstrapServers());
        props.put("group.id", group);
        long waiting;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = List.of(new TopicPartition(ConsoleFixture.TOPIC, 0), new TopicPartition(ConsoleFixture.TOPIC, 1));
            Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
            partitions.forEach(tp -> start.put(tp, new OffsetAndMetadata(0)));
            consumer.commitSync(start);
            waiting = consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
        PipelineLayout layout = new PipelineLayout(List.of(ConsoleFixture.TOPIC), group, List.of(ConsoleFixture.PATTERN), null);
        Clock at = Clock.fixed(Instant.parse("2026-01-31T10:02:00Z"), ZoneOffset.UTC);
        try (QueueService queue = new QueueService(f.broker.bootstrapServers())) {
            PipelineMonitor monitor = new PipelineMonitor(() -> layout, queue,
                    new ElasticsearchRest(List.of(URI.create(f.node.url())), null, null), URI.create("http://127.0.0.1:1"),
                    null, at);
            Map<String, JsonNode> stages = new HashMap<>();
            monitor.snapshot().path("stages").forEach(s -> stages.put(s.path("id").asText(), s));
            JsonNode groupStage = stages.get("group");
            assertEquals("stalled", groupStage.path("status").asText());
            long lag = groupStage.path("lag").asLong();
            assertTrue(lag >= waiting && waiting > 0, lag + " vs " + waiting);
            assertEquals("no consumer in group " + group + " while " + lag + " messages wait", groupStage.path("reason").asText());
            assertEquals("indexer monitoring API http://127.0.0.1:1 unreachable since 10:02 UTC",
                    stages.get("indexer").path("reason").asText());
            assertEquals("ok", stages.get("indices").path("status").asText());
        }
    }

    @Test
    void theArrowIntoTheIndicesCarriesTheOutputsRetriesFailuresAndLastFailure() throws Exception {
        ConsoleFixture f = ConsoleFixture.shared();
        FailingIndexer indexer = FailingIndexer.shared();
        PipelineLayout layout = new PipelineLayout(List.of(FailingIndexer.TOPIC), FailingIndexer.GROUP,
                List.of(FailingIndexer.CONFLICT_INDEX), null);
        try (QueueService queue = new QueueService(f.broker.bootstrapServers())) {
            PipelineMonitor monitor = new PipelineMonitor(() -> layout, queue,
                    new ElasticsearchRest(List.of(URI.create(f.node.url())), null, null), indexer.api, null,
                    Clock.systemUTC());
            JsonNode snapshot = monitor.snapshot();
            // read after the snapshot: the refused output keeps retrying, so its count only grows
            JsonNode conflict = indexer.output(FailingIndexer.CONFLICT_OUTPUT);
            JsonNode refused = indexer.output(FailingIndexer.REFUSED_OUTPUT);
            Map<String, JsonNode> arrows = new HashMap<>();
            snapshot.path("arrows").forEach(a -> arrows.put(a.path("from").asText() + "-" + a.path("to").asText(), a));
            assertEquals(java.util.Set.of("shipper-topic", "topic-group", "group-indexer", "indexer-indices"), arrows.keySet());
            JsonNode toIndices = arrows.get("indexer-indices");
            assertEquals("warning", toIndices.path("status").asText());
            assertEquals(1, toIndices.path("failures").asLong(), toIndices.toString());
            long retries = toIndices.path("retries").asLong();
            assertTrue(retries > 0 && retries <= refused.path("retries").asLong() && conflict.path("retries").asLong() == 0,
                    toIndices + " vs " + refused);
            Map<String, JsonNode> outputs = new HashMap<>();
            toIndices.path("outputs").forEach(o -> outputs.put(o.path("id").asText(), o));
            JsonNode dead = outputs.get(FailingIndexer.CONFLICT_OUTPUT);
            assertEquals("failing", dead.path("pipeline").asText());
            assertEquals(1, dead.path("failures").asLong());
            assertEquals(conflict.path("last_failure").asText(), dead.path("last_failure").asText());
            assertTrue(dead.path("last_failure").asText().contains("integer"), dead.toString());
            assertEquals(retries, outputs.get(FailingIndexer.REFUSED_OUTPUT).path("retries").asLong());
            assertTrue(outputs.get(FailingIndexer.REFUSED_OUTPUT).path("last_failure").asText().contains("127.0.0.1:1")
                    || outputs.get(FailingIndexer.REFUSED_OUTPUT).path("last_failure").asText().toLowerCase().contains("refused"),
                    outputs.get(FailingIndexer.REFUSED_OUTPUT).toString());
            // the dead-lettered document is on the indexer's box too
            JsonNode indexerStage = null;
            for (JsonNode s : snapshot.path("stages")) {
                if (s.path("id").asText().equals("indexer")) {
                    indexerStage = s;
                }
            }
            assertEquals(1, indexerStage.path("dead_letters").asLong());
            // without a shipper stats endpoint, or a commit-failure count from the input, those arrows carry no figures
            assertFalse(arrows.get("shipper-topic").has("failed_sends"));
            assertEquals("ok", arrows.get("group-indexer").path("status").asText());
        }
    }

    @Test
    void theShipperArrowCarriesTheShippersFailedSendsFromItsStats() throws Exception {
        ConsoleFixture f = ConsoleFixture.shared();
        JsonNode arrow = null;
        for (JsonNode a : f.get("/api/pipeline", 200).path("arrows")) {
            if (a.path("from").asText().equals("shipper")) {
                arrow = a;
            }
        }
        // the fixture's shipper sends into a healthy queue: its counters are there and zero
        assertEquals(0, arrow.path("failed_sends").asLong(-1), arrow.toString());
        assertEquals(0, arrow.path("write_errors").asLong(-1), arrow.toString());
        assertEquals(0, arrow.path("dropped").asLong(-1), arrow.toString());
        assertEquals("ok", arrow.path("status").asText());
    }
}
