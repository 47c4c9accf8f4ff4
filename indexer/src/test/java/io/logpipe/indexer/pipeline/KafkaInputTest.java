package io.logpipe.indexer.pipeline;

import static io.logpipe.indexer.pipeline.KafkaFixtures.committedTotal;
import static io.logpipe.indexer.pipeline.KafkaFixtures.produce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.indexer.config.ConfigSource;
import io.logpipe.indexer.event.EventJson;
import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kafka input against a real Apache Kafka broker: offsets reset policies, decoration, watermark commits. */
class KafkaInputTest {
    private static KafkaBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.shared();
    }

    private Pipeline pipeline(String topic, String group, String reset, Path out) {
        String config = """
                input {
                  kafka {
                    bootstrap_servers => "%s"
                    topics => "%s"
                    group_id => "%s"
                    auto_offset_reset => "%s"
                    codec => json
                    decorate_events => true
                    auto_commit_interval_ms => 200
                  }
                }
                filter {
                  mutate { add_field => { "from" => "%%{[@metadata][kafka][topic]}/%%{[@metadata][kafka][partition]}/%%{[@metadata][kafka][offset]}" } }
                }
                output { file { path => "%s" } }
                """.formatted(broker.bootstrapServers(), topic, group, reset, out);
        return new Pipeline(ConfigSource.fromString(config), new PipelineSettings("main", 2, 50, 20, dir));
    }

    private static List<Map<String, Object>> lines(Path file) {
        List<Map<String, Object>> out = new ArrayList<>();
        try {
            if (!Files.exists(file)) {
                return out;
            }
            for (String line : Files.readAllLines(file)) {
                out.add(EventJson.parseObject(line.getBytes(), 0, line.getBytes().length));
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    private static List<String> values(int from, int to) {
        List<String> values = new ArrayList<>();
        for (int i = from; i < to; i++) {
            values.add("{\"n\":" + i + "}");
        }
        return values;
    }

    @Test
    void earliestReadsTheWholeTopicDecoratesEventsAndCommitsWhatWasWritten() throws Exception {
        broker.createTopic("aor-earliest", 2);
        produce(broker, "aor-earliest", 0, values(0, 6));
        produce(broker, "aor-earliest", 1, values(6, 10));
        Path out = dir.resolve("out.jsonl");
        Pipeline pipeline = pipeline("aor-earliest", "g-earliest", "earliest", out);
        pipeline.start();
        Wait.until("10 events", Duration.ofSeconds(60), () -> lines(out).size() >= 10);
        Wait.until("commits of all 10 offsets", Duration.ofSeconds(30), () -> {
            try {
                return committedTotal(broker, "g-earliest") == 10;
            } catch (Exception e) {
                return false;
            }
        });
        pipeline.stop();
        List<Map<String, Object>> events = lines(out);
        assertEquals(10, events.size());
        assertTrue(events.stream().anyMatch(e -> "aor-earliest/0/5".equals(e.get("from"))), events.toString());
        assertTrue(events.stream().anyMatch(e -> "aor-earliest/1/3".equals(e.get("from"))), events.toString());
        assertEquals(10, pipeline.eventsOut());
    }

    @Test
    void latestSkipsWhatWasThereBeforeTheGroupStarted() throws Exception {
        broker.createTopic("aor-latest", 1);
        produce(broker, "aor-latest", 0, List.of("{\"old\":true}", "{\"old\":true}"));
        Path out = dir.resolve("latest.jsonl");
        Pipeline pipeline = pipeline("aor-latest", "g-latest", "latest", out);
        pipeline.start();
        // The group's position is set on its first fetch, some time after start: produce until one arrives.
        Wait.until("a new event", Duration.ofSeconds(60), () -> {
            produce(broker, "aor-latest", 0, List.of("{\"old\":false}"));
            return !lines(out).isEmpty();
        });
        pipeline.stop();
        assertTrue(lines(out).stream().noneMatch(e -> Boolean.TRUE.equals(e.get("old"))), lines(out).toString());
    }

    @Test
    void noneStopsThePipelineNamingTopicAndPartitionThenResumesFromACommittedOffset() throws Exception {
        broker.createTopic("aor-none", 1);
        produce(broker, "aor-none", 0, values(0, 5));
        Path out = dir.resolve("none.jsonl");
        Pipeline pipeline = pipeline("aor-none", "g-none", "none", out);
        pipeline.start();
        assertTrue(pipeline.awaitStopped(60, TimeUnit.SECONDS), "the pipeline must stop by itself");
        assertNotNull(pipeline.failure());
        assertTrue(pipeline.failure().contains("topic aor-none partition 0"), pipeline.failure());
        assertTrue(pipeline.failure().contains("auto_offset_reset"), pipeline.failure());
        assertTrue(lines(out).isEmpty());

        try (Admin admin = broker.admin()) {
            admin.alterConsumerGroupOffsets("g-none", Map.of(new TopicPartition("aor-none", 0),
                    new OffsetAndMetadata(3))).all().get(30, TimeUnit.SECONDS);
        }
        Pipeline resumed = pipeline("aor-none", "g-none", "none", out);
        resumed.start();
        Wait.until("the 2 events after offset 3", Duration.ofSeconds(60), () -> lines(out).size() >= 2);
        resumed.stop();
        // Two workers, as in Logstash with pipeline.workers > 1: events are not ordered across batches.
        assertEquals(List.of(3L, 4L), lines(out).stream().map(e -> (Long) e.get("n")).sorted().toList());
        assertEquals(null, resumed.failure());
    }

    @Test
    void topicsPatternWithSeveralConsumerThreadsReadsEveryMatchingTopic() throws Exception {
        broker.createTopic("pat-a", 2);
        broker.createTopic("pat-b", 1);
        broker.createTopic("other-c", 1);
        produce(broker, "pat-a", 0, values(0, 3));
        produce(broker, "pat-a", 1, values(3, 6));
        produce(broker, "pat-b", 0, values(6, 9));
        produce(broker, "other-c", 0, values(100, 103));
        Path out = dir.resolve("pattern.jsonl");
        String config = """
                input { kafka { bootstrap_servers => "%s" topics_pattern => "pat-.*" group_id => "g-pattern"
                                auto_offset_reset => "earliest" consumer_threads => 2 codec => json } }
                output { file { path => "%s" } }
                """.formatted(broker.bootstrapServers(), out);
        Pipeline pipeline = new Pipeline(ConfigSource.fromString(config), new PipelineSettings("main", 1, 50, 20, dir));
        pipeline.start();
        Wait.until("9 events", Duration.ofSeconds(90), () -> lines(out).size() >= 9);
        pipeline.stop();
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L),
                lines(out).stream().map(e -> (Long) e.get("n")).sorted().toList());
    }
}
