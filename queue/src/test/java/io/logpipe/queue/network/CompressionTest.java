package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.logpipe.queue.TestBroker;
import io.logpipe.queue.log.LogSegment;
import io.logpipe.queue.log.PartitionLog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** Batches compressed by the client are stored compressed, as sent, and read back intact. */
class CompressionTest {
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

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void everyCodecRoundTripsAndStaysCompressedOnDisk(String codec) throws Exception {
        String topic = "compressed-" + codec;
        int count = 3000;
        try (KafkaProducer<String, String> producer = broker.producer(Map.of("compression.type", codec,
                "linger.ms", "5"))) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, i % 3, "k" + i, codec + " line " + i + " " + "x".repeat(i % 50)));
            }
            producer.flush();
        }
        List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1),
                new TopicPartition(topic, 2));
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            List<ConsumerRecord<String, String>> records = ProduceConsumeTest.readAll(consumer, partitions, count);
            assertEquals(count, records.size());
            List<String> values = new ArrayList<>();
            records.stream().filter(r -> r.partition() == 1).forEach(r -> values.add(r.value()));
            for (int n = 0; n < values.size(); n++) {
                int i = 1 + 3 * n;
                assertEquals(codec + " line " + i + " " + "x".repeat(i % 50), values.get(n));
            }
        }
        PartitionLog log = broker.server().logs().log(new TopicPartition(topic, 1));
        int batches = 0;
        for (LogSegment segment : log.segments()) {
            for (RecordBatch batch : segment.records().batches()) {
                assertEquals(CompressionType.forName(codec), batch.compressionType());
                batches++;
            }
        }
        assertEquals(true, batches > 0);
    }
}
