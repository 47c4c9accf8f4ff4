package io.logpipe.queue.tools;

import io.logpipe.queue.KafkaTool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.tools.ConsoleProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache Kafka's kafka-console-producer (kafka-tools 4.2, in-process) writing stdin lines to the broker, read back by
 * a plain KafkaConsumer: every line one record, in order, with keys split off when {@code parse.key=true}.
 */
class ConsoleProducerTest {
    @TempDir
    static Path data;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(data, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    static KafkaTool.Result consoleProducer(String stdin, String... args) {
        return KafkaTool.run("kafka-console-producer", ConsoleProducer::main, broker, stdin, args);
    }

    static void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
    }

    /** Every record of {@code topic} from the beginning, partition by partition, once {@code expected} arrived. */
    static List<ConsumerRecord<String, String>> readAll(String topic, int partitions, int expected) {
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            List<TopicPartition> tps = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 20_000;
            while (records.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
            consumer.poll(Duration.ofMillis(300)).forEach(records::add);
            return records;
        }
    }

    @Test
    void eachStdinLineBecomesOneRecordInOrder() throws Exception {
        createTopic("lines", 1);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            lines.add("line " + i);
        }
        lines.add("  leading and trailing spaces, a\ttab  ");
        lines.add("ünïcödé ✓ 日本語");
        lines.add("{\"json\": true, \"key:like\": \"not a key without parse.key\"}");

        KafkaTool.Result run = consoleProducer(String.join("\n", lines) + "\n", "--topic", "lines");

        assertEquals(0, run.exitCode(), run.err());
        List<ConsumerRecord<String, String>> records = readAll("lines", 1, lines.size());
        assertEquals(lines, records.stream().map(ConsumerRecord::value).toList());
        for (ConsumerRecord<String, String> record : records) {
            assertNull(record.key());
        }
        assertEquals(List.of(0L, (long) lines.size() - 1),
                List.of(records.get(0).offset(), records.get(records.size() - 1).offset()));
    }

    @Test
    void parseKeySplitsEachLineAtTheFirstSeparator() throws Exception {
        createTopic("keyed", 3);
        List<String> lines = new ArrayList<>();
        Map<String, List<String>> valuesByKey = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            String key = "host-" + i % 6;
            String value = "event " + i + " at 12:00:0" + i % 10;
            lines.add(key + ":" + value);
            valuesByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }

        KafkaTool.Result run = consoleProducer(String.join("\n", lines) + "\n", "--topic", "keyed",
                "--property", "parse.key=true", "--property", "key.separator=:");

        assertEquals(0, run.exitCode(), run.err());
        List<ConsumerRecord<String, String>> records = readAll("keyed", 3, lines.size());
        assertEquals(lines.size(), records.size());
        Map<String, List<String>> readByKey = new HashMap<>();
        Map<String, Integer> partitionOfKey = new HashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            readByKey.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(record.value());
            Integer earlier = partitionOfKey.putIfAbsent(record.key(), record.partition());
            assertEquals(earlier == null ? record.partition() : earlier, record.partition(),
                    "one key, one partition: " + record.key());
        }
        assertEquals(valuesByKey, readByKey, "keys and values as split, each key's values in the order sent");
    }
}
