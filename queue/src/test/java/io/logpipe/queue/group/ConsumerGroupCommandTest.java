package io.logpipe.queue.group;

import static io.logpipe.queue.group.Groups.createTopic;
import static io.logpipe.queue.group.Groups.drain;
import static io.logpipe.queue.group.Groups.sinks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.logpipe.queue.KafkaTool;
import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.tools.consumer.group.ConsumerGroupCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache Kafka's own kafka-consumer-groups (org.apache.kafka:kafka-tools 4.2, run in-process through its main class)
 * against the broker: --list, --describe with the right lag, --reset-offsets (--to-earliest, --to-datetime),
 * --delete-offsets and --delete.
 */
class ConsumerGroupCommandTest {
    @TempDir
    static Path data;
    static TestBroker broker;
    static final String TOPIC = "tools";
    static final String GROUP = "tool-group";
    /** Record i of every partition carries the timestamp BASE + i minutes. */
    static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(data, Groups.FAST_GROUPS);
        createTopic(broker, TOPIC, 3);
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < 10; i++) {
                for (int p = 0; p < 3; p++) {
                    producer.send(new ProducerRecord<>(TOPIC, p, BASE.toEpochMilli() + i * 60_000L, "k", "p" + p + "-" + i));
                }
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    /** Runs kafka-consumer-groups with {@code args} after --bootstrap-server; returns what it printed. */
    static String kafkaConsumerGroups(String... args) {
        KafkaTool.Result result = KafkaTool.run("kafka-consumer-groups", ConsumerGroupCommand::main, broker, "", args);
        assertEquals(0, result.exitCode(), "kafka-consumer-groups failed:\n" + result.printed());
        return result.printed();
    }

    /** The --describe rows of {@code GROUP}, by partition: the columns after GROUP. */
    static Map<Integer, String[]> describeRows(String output) {
        Map<Integer, String[]> rows = new HashMap<>();
        for (String line : output.split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 6 && cols[0].equals(GROUP) && cols[1].equals(TOPIC)) {
                rows.put(Integer.parseInt(cols[2]), cols);
            }
        }
        return rows;
    }

    static Map<TopicPartition, Long> committed() throws Exception {
        try (Admin admin = broker.admin()) {
            Map<TopicPartition, Long> offsets = new HashMap<>();
            admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get()
                    .forEach((tp, om) -> offsets.put(tp, om == null ? null : om.offset()));
            return offsets;
        }
    }

    static TopicPartition tp(int partition) {
        return new TopicPartition(TOPIC, partition);
    }

    @Test
    void listDescribeResetAndDeleteAConsumerGroup() throws Exception {
        try (KafkaConsumer<String, String> consumer = Groups.consumer(broker, GROUP,
                Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false))) {
            consumer.subscribe(List.of(TOPIC));
            List<List<ConsumerRecord<String, String>>> received = sinks(1);
            drain(List.of(consumer), received, 30);
            consumer.commitSync(Map.of(tp(0), new OffsetAndMetadata(4), tp(1), new OffsetAndMetadata(6),
                    tp(2), new OffsetAndMetadata(10)));

            assertTrue(kafkaConsumerGroups("--list").lines().anyMatch(GROUP::equals), "--list names the group");

            Map<Integer, String[]> rows = describeRows(kafkaConsumerGroups("--describe", "--group", GROUP));
            assertEquals(3, rows.size());
            assertEquals(List.of("4", "10", "6"), List.of(rows.get(0)).subList(3, 6), "CURRENT-OFFSET LOG-END-OFFSET LAG");
            assertEquals(List.of("6", "10", "4"), List.of(rows.get(1)).subList(3, 6));
            assertEquals(List.of("10", "10", "0"), List.of(rows.get(2)).subList(3, 6));
            for (String[] row : rows.values()) {
                assertNotEquals("-", row[6], "an active member owns every partition: " + String.join(" ", row));
            }

            String state = kafkaConsumerGroups("--describe", "--group", GROUP, "--state");
            String stateRow = state.lines().filter(l -> l.startsWith(GROUP)).findFirst().orElseThrow();
            assertEquals(List.of("range", "Stable", "1"), List.of(stateRow.trim().split("\\s+")).subList(3, 6),
                    "ASSIGNMENT-STRATEGY STATE #MEMBERS: " + stateRow);
            String members = kafkaConsumerGroups("--describe", "--group", GROUP, "--members");
            String memberRow = members.lines().filter(l -> l.startsWith(GROUP)).findFirst().orElseThrow();
            assertTrue(memberRow.trim().endsWith("3"), "#PARTITIONS of the only member: " + memberRow);

            String refused = kafkaConsumerGroups("--reset-offsets", "--group", GROUP, "--topic", TOPIC,
                    "--to-earliest", "--execute");
            assertTrue(refused.contains("inactive"), "offsets of an active group are not reset: " + refused);
            assertEquals(Map.of(tp(0), 4L, tp(1), 6L, tp(2), 10L), committed());
        }

        String inactive = kafkaConsumerGroups("--describe", "--group", GROUP);
        assertTrue(inactive.contains("has no active members"), inactive);
        assertEquals(List.of("4", "10", "6"), List.of(describeRows(inactive).get(0)).subList(3, 6));

        kafkaConsumerGroups("--reset-offsets", "--group", GROUP, "--topic", TOPIC, "--to-earliest", "--execute");
        assertEquals(Map.of(tp(0), 0L, tp(1), 0L, tp(2), 0L), committed());

        // Record 5 of each partition is the first stamped at or after 00:05 (ListOffsets by timestamp).
        kafkaConsumerGroups("--reset-offsets", "--group", GROUP, "--topic", TOPIC,
                "--to-datetime", "2026-01-01T00:04:30.000Z", "--execute");
        assertEquals(Map.of(tp(0), 5L, tp(1), 5L, tp(2), 5L), committed());

        kafkaConsumerGroups("--delete-offsets", "--group", GROUP, "--topic", TOPIC + ":1");
        assertEquals(Map.of(tp(0), 5L, tp(2), 5L), committed());

        String deleted = kafkaConsumerGroups("--delete", "--group", GROUP);
        assertTrue(deleted.contains("Deletion of requested consumer groups ('" + GROUP + "') was successful."), deleted);
        assertFalse(kafkaConsumerGroups("--list").lines().anyMatch(GROUP::equals), "the group is gone");
    }
}
