package io.logpipe.console.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.logpipe.console.ConsoleFixture;
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
}
