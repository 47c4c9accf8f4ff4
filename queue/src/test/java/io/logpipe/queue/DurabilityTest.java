package io.logpipe.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker run as users run it (its own JVM, a server.properties file): data, topics and topic ids survive a clean
 * restart and a kill -9; a hand-truncated segment tail is cut back to the last whole batch on start.
 */
class DurabilityTest {
    private static final String TOPIC = "durable";

    @TempDir
    Path work;

    private Path config() throws Exception {
        Path file = work.resolve("server.properties");
        Files.writeString(file, """
                # as shipped by a Kafka install, plus a few keys that do not apply here
                node.id=1
                process.roles=broker,controller
                listeners=PLAINTEXT://127.0.0.1:0
                log.dirs=%s,%s
                num.partitions=3
                log.segment.bytes=262144
                num.network.threads=3
                offsets.topic.replication.factor=1
                """.formatted(work.resolve("data-a"), work.resolve("data-b")));
        return file;
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    /** Sends {@code count} records and returns those acknowledged (acks=all, the default). */
    private static List<String> produce(String bootstrap, String prefix, int count) throws Exception {
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        List<String> values = new ArrayList<>();
        try (KafkaProducer<String, String> producer = producer(bootstrap)) {
            for (int i = 0; i < count; i++) {
                String value = prefix + "-" + i;
                values.add(value);
                futures.add(producer.send(new ProducerRecord<>(TOPIC, i % 3, null, value)));
            }
            producer.flush();
        }
        for (Future<RecordMetadata> f : futures) {
            f.get();
        }
        return values;
    }

    private static List<String> consumeAll(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<TopicPartition> partitions = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1),
                new TopicPartition(TOPIC, 2));
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long expected = end.values().stream().mapToLong(Long::longValue).sum();
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }

    private static Uuid topicId(String bootstrap) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            return admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).topicId();
        }
    }

    @Test
    void topicsIdsAndDataSurviveACleanRestart() throws Exception {
        Path config = config();
        List<String> sent;
        Uuid id;
        try (ChildBroker broker = ChildBroker.start(config, work)) {
            sent = produce(broker.bootstrap(), "before", 5000);
            id = topicId(broker.bootstrap());
            String log = broker.stderr();
            assertTrue(log.contains("process.roles applies to a Kafka cluster"), log);
            assertTrue(log.contains("num.network.threads applies to a Kafka cluster"), log);
            assertEquals(0, broker.stop(), "SIGTERM: a complete clean stop exits 0, as Kafka does");
            assertTrue(broker.stderr().contains("stopped cleanly"), broker.stderr());
            assertTrue(Files.exists(work.resolve("data-a/.kafka_cleanshutdown")));
        }
        try (ChildBroker broker = ChildBroker.start(config, work)) {
            assertEquals(id, topicId(broker.bootstrap()));
            List<String> after = new ArrayList<>(sent);
            after.addAll(produce(broker.bootstrap(), "after", 300));
            assertEquals(Set.copyOf(after), Set.copyOf(consumeAll(broker.bootstrap())));
            assertEquals(after.size(), consumeAll(broker.bootstrap()).size());
        }
    }

    @Test
    void killMinus9LosesNothingAcknowledged() throws Exception {
        Path config = config();
        List<String> acknowledged;
        try (ChildBroker broker = ChildBroker.start(config, work)) {
            acknowledged = produce(broker.bootstrap(), "acked", 20_000);
            broker.kill9();
        }
        assertTrue(Files.notExists(work.resolve("data-a/.kafka_cleanshutdown")));
        try (ChildBroker broker = ChildBroker.start(config, work)) {
            assertTrue(broker.stderr().contains("no clean shutdown marker"), broker.stderr());
            List<String> read = consumeAll(broker.bootstrap());
            assertEquals(acknowledged.size(), read.size());
            assertEquals(Set.copyOf(acknowledged), new HashSet<>(read));
            produce(broker.bootstrap(), "later", 100);
            assertEquals(acknowledged.size() + 100, consumeAll(broker.bootstrap()).size());
        }
    }

    @Test
    void aHandTruncatedSegmentTailIsCutBackToTheLastWholeBatch() throws Exception {
        Path config = config();
        try (ChildBroker broker = ChildBroker.start(config, work)) {
            produce(broker.bootstrap(), "whole", 3000);
            broker.kill9();
        }
        Path partitionDir = Files.exists(work.resolve("data-a/durable-0")) ? work.resolve("data-a/durable-0")
                : work.resolve("data-b/durable-0");
        Path active;
        try (var files = Files.list(partitionDir)) {
            active = files.filter(p -> p.toString().endsWith(".log")).sorted().reduce((a, b) -> b).orElseThrow();
        }
        long size = Files.size(active);
        try (FileChannel channel = FileChannel.open(active, StandardOpenOption.WRITE)) {
            channel.truncate(size - 25);
        }
        try (ChildBroker broker = ChildBroker.start(config, work)) {
            String log = broker.stderr();
            assertTrue(log.contains("durable-0: recovery cut"), log);
            List<String> read = consumeAll(broker.bootstrap());
            long fromPartition0 = read.stream().filter(v -> Integer.parseInt(v.substring(6)) % 3 == 0).count();
            assertTrue(fromPartition0 < 1000 && fromPartition0 > 0, "partition 0 lost only its torn last batch: " + fromPartition0);
            assertEquals(2000 + fromPartition0, read.size());
            produce(broker.bootstrap(), "whole", 30);
            assertEquals(2030 + fromPartition0, consumeAll(broker.bootstrap()).size());
        }
    }

    @Test
    void aBadValueStopsTheStartWithFileLineAndKey() throws Exception {
        Path file = work.resolve("bad.properties");
        Files.writeString(file, "node.id=1\nlog.segment.bytes=lots\n");
        String[] result = ChildBroker.runToExit(file.toString());
        assertEquals("2", result[0]);
        assertTrue(result[1].contains("bad.properties:2: log.segment.bytes: 'lots' is not a whole number"), result[1]);
        String[] help = ChildBroker.runToExit("--help");
        assertEquals("0", help[0]);
        assertTrue(help[1].contains("Usage: bin/queue-server CONFIG"), help[1]);
    }

    @Test
    void aListenerPortInUseIsNamedWithItsListener() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Path file = work.resolve("busy.properties");
            Files.writeString(file, "listeners=PLAINTEXT://127.0.0.1:" + taken.getLocalPort() + "\nlog.dirs="
                    + work.resolve("busy-data") + "\n");
            String[] result = ChildBroker.runToExit(file.toString());
            assertEquals("2", result[0], result[1]);
            assertTrue(result[1].contains("cannot start: listener PLAINTEXT://127.0.0.1:" + taken.getLocalPort()
                    + " (from listeners) cannot bind port " + taken.getLocalPort()), result[1]);
        }
    }
}
