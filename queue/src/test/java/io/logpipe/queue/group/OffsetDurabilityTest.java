package io.logpipe.queue.group;

import static io.logpipe.queue.group.Groups.createTopic;
import static io.logpipe.queue.group.Groups.drain;
import static io.logpipe.queue.group.Groups.produce;
import static io.logpipe.queue.group.Groups.sinks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import io.logpipe.queue.ChildBroker;
import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a client was told is committed stays committed: across a clean restart and across kill -9. */
class OffsetDurabilityTest {
    @TempDir
    Path dir;

    static final Map<String, Object> MANUAL_COMMIT = Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);

    @Test
    void committedOffsetsSurviveARestart() throws Exception {
        Path data = dir.resolve("data");
        List<TopicPartition> partitions = List.of(new TopicPartition("durable", 0), new TopicPartition("durable", 1),
                new TopicPartition("durable", 2));
        Map<TopicPartition, OffsetAndMetadata> committed;
        try (TestBroker broker = TestBroker.start(data, Groups.FAST_GROUPS)) {
            createTopic(broker, "durable", 3);
            produce(broker, "durable", "before", 90);
            try (KafkaConsumer<String, String> consumer = Groups.consumer(broker, "restart", MANUAL_COMMIT)) {
                consumer.subscribe(List.of("durable"));
                List<List<ConsumerRecord<String, String>>> received = sinks(1);
                drain(List.of(consumer), received, 90);
                assertEquals(90, received.get(0).size());
                consumer.commitSync();
                committed = consumer.committed(Set.copyOf(partitions));
            }
        }
        assertEquals(90, committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum());

        try (TestBroker broker = TestBroker.start(data, Groups.FAST_GROUPS)) {
            try (Admin admin = broker.admin()) {
                Map<String, ConsumerGroupListing> groups = new HashMap<>();
                admin.listConsumerGroups().all().get().forEach(g -> groups.put(g.groupId(), g));
                assertEquals(Set.of("restart"), groups.keySet(), "the group is known again, from its offsets");
                assertEquals(committed, admin.listConsumerGroupOffsets("restart").partitionsToOffsetAndMetadata().get());
            }
            produce(broker, "durable", "after", 30);
            try (KafkaConsumer<String, String> consumer = Groups.consumer(broker, "restart", MANUAL_COMMIT)) {
                consumer.subscribe(List.of("durable"));
                List<List<ConsumerRecord<String, String>>> received = sinks(1);
                drain(List.of(consumer), received, 30);
                assertEquals(30, received.get(0).size(), "resumes after the committed offsets, nothing read twice");
                received.get(0).forEach(r -> assertEquals("after", r.value().substring(0, 5)));
            }
        }
    }

    @Test
    void acknowledgedCommitsSurviveKill9() throws Exception {
        Path config = childBrokerConfig();
        TopicPartition tp = new TopicPartition("k9", 0);
        try (ChildBroker broker = ChildBroker.start(config, dir.resolve("run1"))) {
            try (KafkaProducer<String, String> producer = producer(broker.bootstrap())) {
                for (int i = 0; i < 200; i++) {
                    producer.send(new ProducerRecord<>("k9", "k", "m-" + i));
                }
            }
            KafkaConsumer<String, String> consumer = consumer(broker.bootstrap(), "k9");
            consumer.subscribe(List.of("k9"));
            List<List<ConsumerRecord<String, String>>> received = sinks(1);
            drain(List.of(consumer), received, 200);
            // One acknowledged commit after another, the broker killed right after the last acknowledgement.
            for (int offset = 1; offset <= 200; offset++) {
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(offset, "after-" + offset)));
            }
            broker.kill9();
            consumer.close(Duration.ofMillis(500));
        }
        try (ChildBroker broker = ChildBroker.start(config, dir.resolve("run2"));
             Admin admin = admin(broker.bootstrap())) {
            OffsetAndMetadata after = admin.listConsumerGroupOffsets("k9").partitionsToOffsetAndMetadata().get().get(tp);
            assertEquals(200, after.offset(), "the last acknowledged commit");
            assertEquals("after-200", after.metadata());
            try (KafkaProducer<String, String> producer = producer(broker.bootstrap())) {
                producer.send(new ProducerRecord<>("k9", "k", "new")).get();
            }
            try (KafkaConsumer<String, String> consumer = consumer(broker.bootstrap(), "k9")) {
                consumer.subscribe(List.of("k9"));
                List<List<ConsumerRecord<String, String>>> received = sinks(1);
                drain(List.of(consumer), received, 1);
                assertEquals(List.of("new"), received.get(0).stream().map(ConsumerRecord::value).toList());
            }
        }
    }

    @Test
    void sigtermStopsTheBrokerProcessWithExitZeroAndCommittedOffsetsWritten() throws Exception {
        Path config = childBrokerConfig();
        TopicPartition tp = new TopicPartition("term", 0);
        try (ChildBroker broker = ChildBroker.start(config, dir.resolve("run1"))) {
            try (KafkaProducer<String, String> producer = producer(broker.bootstrap())) {
                for (int i = 0; i < 20; i++) {
                    producer.send(new ProducerRecord<>("term", "k", "m-" + i)).get();
                }
            }
            try (KafkaConsumer<String, String> consumer = consumer(broker.bootstrap(), "term")) {
                consumer.subscribe(List.of("term"));
                drain(List.of(consumer), sinks(1), 20);
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(17, "before-sigterm")));
            }
            assertEquals(0, broker.stop(), "SIGTERM, a complete stop: exit 0 as Kafka's broker does, not 143\n"
                    + broker.stderr());
            assertTrue(broker.stderr().contains("stopped cleanly"), broker.stderr());
        }
        try (ChildBroker broker = ChildBroker.start(config, dir.resolve("run2"));
             Admin admin = admin(broker.bootstrap())) {
            OffsetAndMetadata after = admin.listConsumerGroupOffsets("term").partitionsToOffsetAndMetadata().get().get(tp);
            assertEquals(new OffsetAndMetadata(17, "before-sigterm"), after);
            assertTrue(!broker.stderr().contains("no clean shutdown marker"), "the stop was clean:\n" + broker.stderr());
        }
    }

    /** One partition per topic, groups that form at once: for the tests that run the broker as its own process. */
    private Path childBrokerConfig() throws java.io.IOException {
        return Files.write(dir.resolve("server.properties"), List.of("listeners=PLAINTEXT://127.0.0.1:0",
                "log.dirs=" + dir.resolve("data"), "num.partitions=1", "group.initial.rebalance.delay.ms=0",
                "group.min.session.timeout.ms=500"));
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap, String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 3000);
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 100);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(props);
    }

    private static Admin admin(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(props);
    }
}
