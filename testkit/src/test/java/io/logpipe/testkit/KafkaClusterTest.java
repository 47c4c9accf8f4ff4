package io.logpipe.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Three Apache Kafka brokers as one cluster: acks=all writes survive a SIGKILL of the partition's leader. */
class KafkaClusterTest {
    private static final String TOPIC = "testkit-replicated";

    @Test
    void acknowledgedRecordsSurviveAKill9OfTheLeader() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.start(3)) {
            assertEquals(3, cluster.brokers().size());
            cluster.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
            try (Admin admin = cluster.admin()) {
                TopicDescription topic = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
                assertEquals(3, topic.partitions().get(0).replicas().size());
                assertEquals(3, topic.partitions().get(0).isr().size(), "created in sync");
                Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC)))
                        .all().get().values().iterator().next();
                assertEquals("2", config.get("min.insync.replicas").value());
            }

            try (var producer = new KafkaProducer<String, String>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, "v" + i)).get();
                }
                int leader = cluster.leader(TOPIC, 0);
                KafkaBroker killed = cluster.broker(leader);
                killed.kill();
                assertTrue(killed.process().isEmpty(), "the leader is gone");
                // Two of three replicas left: min.insync.replicas is met, acks=all writes go on to the new leader.
                for (int i = 100; i < 200; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, "v" + i)).get();
                }
                assertNotEquals(leader, cluster.leader(TOPIC, 0), "a new leader was elected");
                cluster.restart(killed, TOPIC, Duration.ofMinutes(2));
                assertTrue(killed.process().isPresent());
                for (int i = 200; i < 300; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, "v" + i)).get();
                }
            }

            TreeSet<Integer> read = new TreeSet<>();
            int records = 0;
            try (var consumer = new KafkaConsumer<String, String>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
                List<TopicPartition> partitions = List.of(new TopicPartition(TOPIC, 0));
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (read.size() < 300 && System.nanoTime() < deadline) {
                    for (var record : consumer.poll(Duration.ofMillis(200))) {
                        read.add(Integer.parseInt(record.value().substring(1)));
                        records++;
                    }
                }
            }
            assertEquals(300, read.size(), "every acknowledged record is there");
            assertEquals(0, read.first());
            assertEquals(299, read.last());
            assertTrue(records >= 300);
        }
    }
}
