package io.logpipe.queue.group;

import static io.logpipe.queue.group.Groups.consumer;
import static io.logpipe.queue.group.Groups.createTopic;
import static io.logpipe.queue.group.Groups.drain;
import static io.logpipe.queue.group.Groups.pollUntil;
import static io.logpipe.queue.group.Groups.produce;
import static io.logpipe.queue.group.Groups.sinks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.logpipe.queue.TestBroker;
import io.logpipe.queue.log.PartitionLog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * auto.offset.reset applies only where the group has no committed offset, or where the committed offset is no longer
 * in the log: then the fetch answers OFFSET_OUT_OF_RANGE and the client resets by its policy.
 */
class AutoOffsetResetTest {
    @TempDir
    static Path data;
    static TestBroker broker;
    static final TopicPartition P0 = new TopicPartition("reset", 0);
    static final TopicPartition P1 = new TopicPartition("reset", 1);

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> settings = new HashMap<>(Groups.FAST_GROUPS);
        // Small segments and a size limit, so the test can make retention delete the start of a log.
        settings.put("log.segment.bytes", "1024");
        settings.put("log.retention.bytes", "2048");
        broker = TestBroker.start(data, settings);
        createTopic(broker, "reset", 2);
        createTopic(broker, "reset-latest", 2);
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (String topic : List.of("reset", "reset-latest")) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>(topic, 0, "k", "p0-" + i));
                    producer.send(new ProducerRecord<>(topic, 1, "k", "p1-" + i));
                }
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    /** Commits offset 5 of partition 0 for {@code group}; partition 1 stays without a committed offset. */
    static void commitHalfOfPartition0(String group, String topic) throws Exception {
        try (Admin admin = broker.admin()) {
            admin.alterConsumerGroupOffsets(group, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(5)))
                    .all().get();
        }
    }

    static Set<String> values(List<ConsumerRecord<String, String>> records) {
        Set<String> values = new TreeSet<>();
        records.forEach(r -> values.add(r.value()));
        return values;
    }

    @Test
    void earliest_startsFromTheBeginningOnlyWhereNothingIsCommitted() throws Exception {
        commitHalfOfPartition0("earliest", "reset");
        try (KafkaConsumer<String, String> consumer = consumer(broker, "earliest",
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            consumer.subscribe(List.of("reset"));
            List<List<ConsumerRecord<String, String>>> received = sinks(1);
            drain(List.of(consumer), received, 15);
            assertEquals(Set.of("p0-5", "p0-6", "p0-7", "p0-8", "p0-9", "p1-0", "p1-1", "p1-2", "p1-3", "p1-4",
                    "p1-5", "p1-6", "p1-7", "p1-8", "p1-9"), values(received.get(0)));
            assertEquals(15, received.get(0).size());
        }
    }

    @Test
    void latest_readsOnlyNewMessagesWhereNothingIsCommitted() throws Exception {
        // A topic of its own: this test appends to it.
        TopicPartition p0 = new TopicPartition("reset-latest", 0);
        TopicPartition p1 = new TopicPartition("reset-latest", 1);
        commitHalfOfPartition0("latest", "reset-latest");
        try (KafkaConsumer<String, String> consumer = consumer(broker, "latest",
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"))) {
            consumer.subscribe(List.of("reset-latest"));
            List<List<ConsumerRecord<String, String>>> received = sinks(1);
            pollUntil(List.of(consumer), received, () -> consumer.assignment().size() == 2);
            // Partition 0 may already have been read from its committed offset; partition 1 has nothing to read yet.
            assertEquals(10, consumer.position(p1), "partition 1 starts at the end of the log");
            try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
                producer.send(new ProducerRecord<>("reset-latest", 1, "k", "p1-new"));
            }
            drain(List.of(consumer), received, 6);
            assertEquals(Set.of("p0-5", "p0-6", "p0-7", "p0-8", "p0-9", "p1-new"), values(received.get(0)));
            assertEquals(6, received.get(0).size());
        }
    }

    @Test
    void none_failsWithTheNoOffsetErrorWhenAnAssignedPartitionHasNoCommittedOffset() throws Exception {
        commitHalfOfPartition0("none", "reset");
        try (KafkaConsumer<String, String> consumer = consumer(broker, "none",
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
            consumer.subscribe(List.of("reset"));
            NoOffsetForPartitionException e = assertThrows(NoOffsetForPartitionException.class, () -> {
                long deadline = System.currentTimeMillis() + 30_000;
                while (System.currentTimeMillis() < deadline) {
                    consumer.poll(Duration.ofMillis(100));
                }
            });
            assertEquals(Set.of(P1), e.partitions());
        }
    }

    @Test
    void none_readsOnWhenEveryAssignedPartitionHasACommittedOffset() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.alterConsumerGroupOffsets("none-complete", Map.of(P0, new OffsetAndMetadata(8),
                    P1, new OffsetAndMetadata(9))).all().get();
        }
        try (KafkaConsumer<String, String> consumer = consumer(broker, "none-complete",
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
            consumer.subscribe(List.of("reset"));
            List<List<ConsumerRecord<String, String>>> received = sinks(1);
            drain(List.of(consumer), received, 3);
            assertEquals(Set.of("p0-8", "p0-9", "p1-9"), values(received.get(0)));
        }
    }

    @Test
    void aCommittedOffsetThatRetentionDeletedIsOutOfRangeAndTheClientResetsByItsPolicy() throws Exception {
        createTopic(broker, "retained", 1);
        TopicPartition tp = new TopicPartition("retained", 0);
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>("retained", "k", "r-" + i)).get();
            }
        }
        try (Admin admin = broker.admin()) {
            for (String group : List.of("gone-earliest", "gone-latest", "gone-none")) {
                admin.alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(3))).all().get();
            }
        }
        PartitionLog log = broker.server().logs().log(tp);
        log.deleteExpiredSegments(System.currentTimeMillis());
        long logStart = log.logStartOffset();
        assertTrue(logStart > 3, "retention removed the committed offset 3; the log now starts at " + logStart);

        try (KafkaConsumer<String, String> consumer = consumer(broker, "gone-earliest",
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            consumer.subscribe(List.of("retained"));
            List<List<ConsumerRecord<String, String>>> received = sinks(1);
            drain(List.of(consumer), received, (int) (100 - logStart));
            assertEquals(logStart, received.get(0).get(0).offset(), "reset to the new start of the log");
            assertEquals(100 - logStart, received.get(0).size());
        }
        try (KafkaConsumer<String, String> consumer = consumer(broker, "gone-latest",
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"))) {
            consumer.subscribe(List.of("retained"));
            pollUntil(List.of(consumer), sinks(1), () -> !consumer.assignment().isEmpty()
                    && consumer.position(tp) == 100);
        }
        try (KafkaConsumer<String, String> consumer = consumer(broker, "gone-none",
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
            consumer.subscribe(List.of("retained"));
            OffsetOutOfRangeException e = assertThrows(OffsetOutOfRangeException.class, () -> {
                long deadline = System.currentTimeMillis() + 30_000;
                while (System.currentTimeMillis() < deadline) {
                    consumer.poll(Duration.ofMillis(100));
                }
            });
            assertEquals(Map.of(tp, 3L), e.offsetOutOfRangePartitions());
        }
    }
}
