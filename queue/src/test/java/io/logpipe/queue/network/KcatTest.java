package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** librdkafka, through kcat (Debian package, installed by .ci/run), with its default settings. */
class KcatTest {
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

    /** Runs kcat against the broker with {@code stdin}; returns its stdout, failing with its stderr on an error. */
    private static String kcat(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("-b", broker.bootstrap()));
        command.addAll(List.of(args));
        return io.logpipe.queue.Kcat.run(stdin, command);
    }

    private static String lines(String prefix, int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(prefix).append(i).append('\n');
        }
        return text.toString();
    }

    @Test
    void kcatProducesAndConsumesAcrossPartitionsAndSeesMetadata() throws Exception {
        for (int p = 0; p < 3; p++) {
            kcat(lines("p" + p + "-", 4000), "-P", "-t", "kcat-logs", "-p", Integer.toString(p));
        }
        String metadata = kcat("", "-L", "-t", "kcat-logs");
        assertTrue(metadata.contains("topic \"kcat-logs\" with 3 partitions"), metadata);
        String consumed = kcat("", "-C", "-t", "kcat-logs", "-o", "beginning", "-e", "-f", "%p %o %s\\n");
        String offsets = kcat("", "-Q", "-t", "kcat-logs:2:0");
        assertTrue(offsets.contains("kcat-logs [2] offset 0"), "ListOffsets by timestamp through librdkafka: " + offsets);
        List<String> rows = consumed.lines().toList();
        assertEquals(12_000, rows.size());
        for (String row : rows) {
            String[] f = row.split(" ");
            assertEquals("p" + f[0] + "-" + f[1], f[2], "partition " + f[0] + " offset " + f[1] + " holds its line");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void kcatCompressedBatchesReadByTheJavaConsumer(String codec) throws Exception {
        String topic = "kcat-" + codec;
        kcat(lines(codec + "-", 2000), "-P", "-t", topic, "-p", "0", "-z", codec, "-X", "enable.idempotence=true");
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            List<ConsumerRecord<String, String>> records = ProduceConsumeTest.readAll(consumer,
                    List.of(new TopicPartition(topic, 0)), 2000);
            assertEquals(2000, records.size());
            for (int i = 0; i < records.size(); i++) {
                assertEquals(codec + "-" + i, records.get(i).value());
            }
        }
    }

    @Test
    void javaProducedRecordsReadByKcatWithKeys() throws Exception {
        try (KafkaProducer<String, String> producer = broker.producer(Map.of("compression.type", "zstd"))) {
            for (int i = 0; i < 500; i++) {
                producer.send(new ProducerRecord<>("from-java", 1, "key" + i, "value" + i));
            }
            producer.flush();
        }
        String consumed = kcat("", "-C", "-t", "from-java", "-p", "1", "-o", "beginning", "-e", "-f", "%k=%s\\n");
        List<String> rows = consumed.lines().toList();
        assertEquals(500, rows.size());
        assertEquals("key499=value499", rows.get(499));
    }
}
