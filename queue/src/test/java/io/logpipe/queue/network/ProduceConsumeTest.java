package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import io.logpipe.queue.TestBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stock Java client (kafka-clients 4.2, default settings) producing to and consuming from the broker. */
class ProduceConsumeTest {
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

    /** Reads every record of {@code partitions} from the beginning until {@code expected} arrived. */
    static List<ConsumerRecord<String, String>> readAll(KafkaConsumer<String, String> consumer,
                                                        List<TopicPartition> partitions, int expected) {
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 30_000;
        while (records.size() < expected && System.currentTimeMillis() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }

    @Test
    void tenThousandMessagesAcrossThreePartitionsComeBackInOrderAndExactlyOnce() throws Exception {
        int count = 12_000;
        String topic = "app-logs";
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < count; i++) {
                acks.add(producer.send(new ProducerRecord<>(topic, "key-" + (i % 97), "message-" + i)));
            }
            producer.flush();
        }
        Map<Integer, Long> lastOffset = new HashMap<>();
        for (Future<RecordMetadata> ack : acks) {
            RecordMetadata metadata = ack.get();
            long previous = lastOffset.getOrDefault(metadata.partition(), -1L);
            assertEquals(previous + 1, metadata.offset(), "offsets per partition are dense and increasing");
            lastOffset.put(metadata.partition(), metadata.offset());
        }
        assertEquals(3, lastOffset.size(), "keys spread over the 3 auto-created partitions");

        List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1),
                new TopicPartition(topic, 2));
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            List<ConsumerRecord<String, String>> records = readAll(consumer, partitions, count);
            assertEquals(count, records.size());
            Map<String, Integer> lastByKey = new HashMap<>();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (ConsumerRecord<String, String> record : records) {
                assertTrue(seen.add(record.value()), "duplicate " + record.value());
                int n = Integer.parseInt(record.value().substring("message-".length()));
                Integer before = lastByKey.put(record.key(), n);
                assertTrue(before == null || before < n, "order within key " + record.key());
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            long total = 0;
            for (TopicPartition tp : partitions) {
                assertEquals(0L, begin.get(tp));
                assertEquals(lastOffset.get(tp.partition()) + 1, end.get(tp));
                total += end.get(tp);
            }
            assertEquals(count, total);
        }
    }

    @Test
    void listOffsetsFindsRecordsByTimestamp() throws Exception {
        String topic = "timed";
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(topic, 0, 1_000_000L + i * 10, null, "t" + i));
            }
            producer.flush();
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(Map.of(tp, 1_000_505L));
            assertEquals(51, found.get(tp).offset());
            assertEquals(1_000_510L, found.get(tp).timestamp());
            assertEquals(null, consumer.offsetsForTimes(Map.of(tp, 9_000_000L)).get(tp));
        }
    }

    @Test
    void acksZeroAndOneAreWrittenToo() throws Exception {
        for (String acks : List.of("0", "1")) {
            String topic = "acks-" + acks;
            try (KafkaProducer<String, String> producer = broker.producer(Map.of("acks", acks,
                    "enable.idempotence", "false"))) {
                for (int i = 0; i < 1000; i++) {
                    producer.send(new ProducerRecord<>(topic, i % 3, null, acks + "-" + i));
                }
                producer.flush();
            }
            List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1),
                    new TopicPartition(topic, 2));
            try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
                assertEquals(1000, readAll(consumer, partitions, 1000).size(), "acks=" + acks);
            }
        }
    }

    @Test
    void aConsumerWaitingAtTheEndGetsNewRecordsWithoutPollingLate() throws Exception {
        String topic = "live";
        TopicPartition tp = new TopicPartition(topic, 0);
        // The broker may hold a fetch for up to a minute, longer than this test waits: the record can only arrive in
        // time if the append itself answers the waiting fetch.
        int maxWaitMs = 60_000;
        try (KafkaProducer<String, String> producer = broker.producer(Map.of());
             KafkaConsumer<String, String> consumer = broker.consumer(Map.of("fetch.max.wait.ms",
                     Integer.toString(maxWaitMs), "request.timeout.ms", Integer.toString(2 * maxWaitMs)))) {
            producer.send(new ProducerRecord<>(topic, 0, null, "first")).get();
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp);
            consumer.poll(Duration.ofMillis(100));
            Thread sender = new Thread(() -> {
                try {
                    Thread.sleep(300); // most likely after the consumer's fetch is parked; the result holds either way
                    producer.send(new ProducerRecord<>(topic, 0, null, "second")).get();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            sender.start();
            List<String> got = new ArrayList<>();
            Wait.until("the new record, answered on append, not at fetch.max.wait.ms=" + maxWaitMs,
                    Duration.ofMillis(maxWaitMs / 2), () -> {
                        consumer.poll(Duration.ofMillis(1000)).forEach(r -> got.add(r.value()));
                        return !got.isEmpty();
                    });
            sender.join();
            assertEquals(List.of("second"), got);
        }
    }
}
