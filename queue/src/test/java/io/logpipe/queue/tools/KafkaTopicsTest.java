package io.logpipe.queue.tools;

import io.logpipe.queue.KafkaTool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.tools.TopicCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache Kafka's kafka-topics (kafka-tools 4.2, in-process) growing a topic with {@code --alter --partitions}: the
 * new partitions are described, written and read; shrinking is refused and changes nothing. (Creation with configs
 * and --describe of overrides: network.TopicConfigTest.)
 */
class KafkaTopicsTest {
    @TempDir
    static Path data;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start(data, Map.of("node.id", "7"));
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    static KafkaTool.Result kafkaTopics(String... args) {
        return KafkaTool.run("kafka-topics", TopicCommand::main, broker, "", args);
    }

    static String partitionCount(String describe) {
        int at = describe.indexOf("PartitionCount:");
        assertTrue(at >= 0, describe);
        return describe.substring(at + "PartitionCount:".length()).trim().split("\\s+")[0];
    }

    @Test
    void alterPartitionsGrowsATopicAndRefusesToShrinkIt() throws Exception {
        assertEquals(0, kafkaTopics("--create", "--topic", "growing", "--partitions", "2").exitCode());
        assertEquals("2", partitionCount(kafkaTopics("--describe", "--topic", "growing").out()));

        KafkaTool.Result grown = kafkaTopics("--alter", "--topic", "growing", "--partitions", "5");
        assertEquals(0, grown.exitCode(), grown.out() + grown.err());
        String described = kafkaTopics("--describe", "--topic", "growing").out();
        assertEquals("5", partitionCount(described));
        for (int p = 0; p < 5; p++) {
            assertTrue(described.contains("Partition: " + p + "\tLeader: 7\tReplicas: 7"), described);
        }

        TopicPartition newest = new TopicPartition("growing", 4);
        try (KafkaProducer<String, String> producer = broker.producer(Map.of());
             KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            RecordMetadata acked = producer.send(new ProducerRecord<>("growing", 4, "k", "into a new partition")).get();
            assertEquals(4, acked.partition());
            assertEquals(0, acked.offset());
            consumer.assign(List.of(newest));
            consumer.seekToBeginning(List.of(newest));
            ConsumerRecords<String, String> got = ConsumerRecords.empty();
            long deadline = System.currentTimeMillis() + 10_000;
            while (got.isEmpty() && System.currentTimeMillis() < deadline) {
                got = consumer.poll(Duration.ofMillis(200));
            }
            assertEquals(List.of("into a new partition"), got.records(newest).stream().map(ConsumerRecord::value).toList());
        }

        KafkaTool.Result shrink = kafkaTopics("--alter", "--topic", "growing", "--partitions", "3");
        assertEquals(1, shrink.exitCode(), shrink.out() + shrink.err());
        assertTrue((shrink.out() + shrink.err()).contains("InvalidPartitionsException"), shrink.out() + shrink.err());
        assertEquals("5", partitionCount(kafkaTopics("--describe", "--topic", "growing").out()));
    }
}
