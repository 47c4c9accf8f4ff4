package io.logpipe.queue.group;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deleting a topic drops every group's committed offsets of it, as Kafka does, durably: a topic created again under
 * the same name is read from auto.offset.reset, not from offsets that pointed into the old data. Other topics'
 * offsets of the same group stay.
 */
class DeletedTopicOffsetsTest {
    @TempDir
    Path data;

    static Map<TopicPartition, Long> committed(TestBroker broker, String group) throws Exception {
        try (Admin admin = broker.admin()) {
            Map<TopicPartition, Long> offsets = new HashMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .forEach((tp, om) -> offsets.put(tp, om == null ? null : om.offset()));
            return offsets;
        }
    }

    static void produceToEachPartition(TestBroker broker, String topic, int partitions, int perPartition) {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < perPartition; i++) {
                for (int p = 0; p < partitions; p++) {
                    producer.send(new ProducerRecord<>(topic, p, "k", topic + "-" + p + "-" + i));
                }
            }
            producer.flush();
        }
    }

    @Test
    void deletingATopicDropsItsCommittedOffsetsInEveryGroupAndKeepsTheRest() throws Exception {
        TopicPartition doomed0 = new TopicPartition("doomed", 0);
        TopicPartition doomed1 = new TopicPartition("doomed", 1);
        TopicPartition kept = new TopicPartition("kept", 0);
        try (TestBroker broker = TestBroker.start(data, Groups.FAST_GROUPS)) {
            Groups.createTopic(broker, "doomed", 2);
            Groups.createTopic(broker, "kept", 1);
            produceToEachPartition(broker, "doomed", 2, 10);
            produceToEachPartition(broker, "kept", 1, 10);
            try (Admin admin = broker.admin()) {
                admin.alterConsumerGroupOffsets("g1", Map.of(doomed0, new OffsetAndMetadata(5),
                        doomed1, new OffsetAndMetadata(3), kept, new OffsetAndMetadata(7))).all().get();
                admin.alterConsumerGroupOffsets("g2", Map.of(doomed0, new OffsetAndMetadata(9))).all().get();
                assertEquals(Map.of(doomed0, 5L, doomed1, 3L, kept, 7L), committed(broker, "g1"));

                admin.deleteTopics(List.of("doomed")).all().get();
            }
            assertEquals(Map.of(kept, 7L), committed(broker, "g1"));
            assertEquals(Map.of(), committed(broker, "g2"));
        }

        try (TestBroker broker = TestBroker.start(data, Groups.FAST_GROUPS)) {
            assertEquals(Map.of(kept, 7L), committed(broker, "g1"), "the removal survives a restart");
            assertEquals(Map.of(), committed(broker, "g2"));

            Groups.createTopic(broker, "doomed", 2);
            produceToEachPartition(broker, "doomed", 2, 10);
            try (KafkaConsumer<String, String> consumer = Groups.consumer(broker, "g1",
                    Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false))) {
                consumer.subscribe(List.of("doomed"));
                List<List<ConsumerRecord<String, String>>> received = Groups.sinks(1);
                Groups.pollUntil(List.of(consumer), received, () -> received.get(0).size() >= 20);
                Map<Integer, Long> firstOffset = new HashMap<>();
                for (ConsumerRecord<String, String> record : received.get(0)) {
                    firstOffset.putIfAbsent(record.partition(), record.offset());
                }
                assertEquals(Map.of(0, 0L, 1, 0L), firstOffset,
                        "the new topic is read from auto.offset.reset=earliest, not from the old offsets 5 and 3");
                assertEquals(20, received.get(0).size());
            }
        }
    }
}
