package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Numbered records over many partitions ({@code "<partition>:<n>"}, n counting from 0 per partition) and what a
 * consumer read of them: every record exactly once and, per partition, in order.
 */
final class PartitionedRecords {
    private final String topic;
    private final int partitions;
    private final int[] produced;
    private final Map<Integer, List<Integer>> read = new HashMap<>();
    private int readCount;

    PartitionedRecords(String topic, int partitions) {
        this.topic = topic;
        this.partitions = partitions;
        this.produced = new int[partitions];
    }

    List<TopicPartition> topicPartitions() {
        List<TopicPartition> all = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            all.add(new TopicPartition(topic, p));
        }
        return all;
    }

    /** Sends {@code perPartition} more records to every partition and waits for their acknowledgements. */
    void produce(KafkaProducer<String, String> producer, int perPartition) throws Exception {
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        for (int i = 0; i < perPartition; i++) {
            for (int p = 0; p < partitions; p++) {
                sent.add(producer.send(new ProducerRecord<>(topic, p, null, p + ":" + produced[p]++)));
            }
        }
        for (var f : sent) {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    int producedCount() {
        int total = 0;
        for (int n : produced) {
            total += n;
        }
        return total;
    }

    /** Polls until {@code target} records were read in all, or fails after {@code timeout}. */
    void consumeUntil(KafkaConsumer<String, String> consumer, int target, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (readCount < target) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("read " + readCount + " of " + target + " records in " + timeout);
            }
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                accept(record.partition(), record.value());
            }
        }
    }

    /** Keeps polling (taking what arrives) until {@code condition} holds, or fails after {@code timeout}. */
    void pollUntil(KafkaConsumer<String, String> consumer, String what, java.util.function.BooleanSupplier condition,
                   Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                accept(record.partition(), record.value());
            }
        }
    }

    /** Takes one record read as {@code partition} and {@code value}. */
    void accept(int partition, String value) {
        String[] parts = value.split(":");
        assertEquals(partition, Integer.parseInt(parts[0]), "record " + value + " read from partition " + partition);
        read.computeIfAbsent(partition, k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
        readCount++;
    }

    /** Every produced record was read once, and each partition's in the order produced. */
    void assertAllReadInOrder() {
        assertEquals(producedCount(), readCount, "records read");
        for (int p = 0; p < partitions; p++) {
            List<Integer> got = read.getOrDefault(p, List.of());
            assertEquals(produced[p], got.size(), "records read from partition " + p);
            for (int i = 0; i < got.size(); i++) {
                assertEquals(i, got.get(i), "partition " + p + " position " + i);
            }
        }
    }
}
