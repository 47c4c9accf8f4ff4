package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sarama, the Go client inside Filebeat's Kafka output, in the 1.22 Debian ships (older than IBM/sarama#3108, so
 * its batches carry maxTimestamp -1): every message lands, not only the first per partition, with the time its
 * records carry, so ListOffsets by time finds it. The producer is built offline from /usr/share/gocode.
 */
class SaramaTest {
    @TempDir
    static Path data;
    static TestBroker broker;
    static Path producer;

    @BeforeAll
    static void start() throws Exception {
        Path source = Path.of("src/test/go/sarama-producer.go").toAbsolutePath();
        Path target = Path.of("target/sarama").toAbsolutePath();
        Files.createDirectories(target);
        producer = target.resolve("sarama-producer");
        if (!Files.exists(producer)) {
            Process go;
            try {
                ProcessBuilder build = new ProcessBuilder("go", "build", "-o", producer.toString(), source.toString())
                        .redirectErrorStream(true);
                build.environment().putAll(Map.of("GO111MODULE", "off", "GOPATH", "/usr/share/gocode",
                        "GOCACHE", target.resolve("cache").toString(), "GOFLAGS", ""));
                go = build.start();
            } catch (IOException e) {
                Assumptions.abort("go is needed: apt-get install golang-go golang-github-shopify-sarama-dev (.ci/run)");
                return;
            }
            String out = new String(go.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(go.waitFor(300, TimeUnit.SECONDS) && go.exitValue() == 0, "building the Sarama producer:\n" + out);
        }
        broker = TestBroker.start(data, Map.of("log.index.interval.bytes", "100"));
        try (var admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic("from-sarama", 1, (short) 1))).all().get();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void everySaramaMessageLandsWithItsRecordsTimestamp() throws Exception {
        int count = 40;
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < count; i++) {
            lines.append("filebeat line ").append(i).append(' ').append("x".repeat(60)).append('\n');
        }
        long before = System.currentTimeMillis();
        Process sarama = new ProcessBuilder(producer.toString(), broker.bootstrap(), "from-sarama").start();
        sarama.getOutputStream().write(lines.toString().getBytes(StandardCharsets.UTF_8));
        sarama.getOutputStream().close();
        assertTrue(sarama.waitFor(60, TimeUnit.SECONDS), "the Sarama producer did not finish");
        String out = new String(sarama.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(sarama.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, sarama.exitValue(), err);
        List<String> expectedOffsets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            expectedOffsets.add(Integer.toString(i));
        }
        assertEquals(expectedOffsets, out.lines().toList(), "one acknowledged offset per message, in order");

        TopicPartition tp = new TopicPartition("from-sarama", 0);
        for (var segment : broker.server().logs().log(tp).segments()) {
            for (RecordBatch batch : segment.records().batches()) {
                assertTrue(batch.maxTimestamp() >= before, "stored maxTimestamp " + batch.maxTimestamp());
            }
        }
        try (var admin = broker.admin()) {
            long offset = admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(before))).all().get().get(tp).offset();
            assertEquals(0, offset, "ListOffsets by time finds Sarama's data");
        }
        try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of())) {
            List<ConsumerRecord<String, String>> records = ProduceConsumeTest.readAll(consumer, List.of(tp), count);
            assertEquals(count, records.size());
            assertTrue(records.get(count - 1).value().startsWith("filebeat line " + (count - 1) + " "));
        }
    }
}
