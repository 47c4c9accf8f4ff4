package io.logpipe.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log dir on a 2 MB tmpfs that fills up under the broker (its own JVM). Produce to it is refused with
 * KAFKA_STORAGE_ERROR every time (never UNKNOWN_SERVER_ERROR), a log dir on another disk keeps working, reads go on,
 * and once space is freed produce resumes by itself. Every acknowledged record survives a clean restart while the
 * disk is still full, a kill -9, and a clean restart afterwards, with no gap, no torn batch and no offset handed out
 * twice. Needs root to mount the tmpfs; skipped with a message elsewhere.
 */
class DiskFullTest {
    @TempDir
    Path work;
    private Path small;
    private ChildBroker broker;

    @BeforeEach
    void mountSmallDisk() throws Exception {
        small = work.resolve("small-disk");
        Files.createDirectories(small);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small.toString())
                .redirectErrorStream(true).start();
        String out = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean mounted = mount.waitFor(10, TimeUnit.SECONDS) && mount.exitValue() == 0;
        Assumptions.assumeTrue(mounted, "skipped: cannot mount a small tmpfs to fill (needs root): " + out.strip());
    }

    @AfterEach
    void unmount() throws Exception {
        if (broker != null) {
            broker.kill9();
        }
        if (small != null) {
            new ProcessBuilder("umount", "-l", small.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Path config() throws IOException {
        Path file = work.resolve("server.properties");
        // partition 0 lands on the small disk, partition 1 on the big one; an index entry per batch, so the
        // memory-mapped indexes grow a page every few hundred batches while the disk fills
        Files.writeString(file, "listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs=" + small.resolve("data") + ","
                + work.resolve("big") + "\nauto.create.topics.enable=false\nlog.index.interval.bytes=1\n");
        return file;
    }

    private void start() throws Exception {
        broker = ChildBroker.start(config(), work.resolve("run"));
    }

    private static MemoryRecords batch(int n) {
        String value = "record-" + n + "-" + "x".repeat(900);
        return MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8)));
    }

    /** Every value in partition {@code partition}, from the beginning to the end offset, read by the Java consumer. */
    private List<String> readAll(int partition) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            TopicPartition tp = new TopicPartition("filling", partition);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.currentTimeMillis() + 30_000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value().substring(0, r.value().indexOf("-x"))));
            }
            assertEquals(end, consumer.position(tp), "the consumer reached the end offset");
        }
        return values;
    }

    private static List<String> expected(int count) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            values.add("record-" + i);
        }
        return values;
    }

    /** Produces batch after batch until one is refused; returns how many were acknowledged. */
    private int fillUntilRefused(RawClient client, int acked) throws IOException {
        while (true) {
            Errors error = client.produce("filling", 0, batch(acked));
            if (error != Errors.NONE) {
                assertEquals(Errors.KAFKA_STORAGE_ERROR, error, "a full disk answers KAFKA_STORAGE_ERROR");
                return acked;
            }
            acked++;
            assertTrue(acked < 10_000, "a 2 MB disk should be full long before this");
        }
    }

    /** Retries one batch until the broker takes it again (the log dir's probe saw the space); fails after 20 s. */
    private static void awaitAccepted(RawClient client, MemoryRecords records) {
        Wait.until("produce resumes once space is freed", Duration.ofSeconds(20), Duration.ofMillis(100), () -> {
            Errors error = client.produce("filling", 0, records);
            if (error != Errors.NONE) {
                assertEquals(Errors.KAFKA_STORAGE_ERROR, error);
            }
            return error == Errors.NONE;
        });
    }

    @Test
    void acknowledgedRecordsSurviveDiskFullSpaceFreedCleanRestartAndKill9() throws Exception {
        start();
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic("filling", 2, (short) 1))).all().get();
        }
        Path ballast = small.resolve("ballast");
        Files.write(ballast, new byte[256 * 1024]);

        int acked;
        try (RawClient client = new RawClient("127.0.0.1", broker.port())) {
            acked = fillUntilRefused(client, 0);
            assertTrue(acked > 500, "only " + acked + " batches fit");
            for (int i = 0; i < 3; i++) {
                assertEquals(Errors.KAFKA_STORAGE_ERROR, client.produce("filling", 0, batch(acked)), "refusal " + i);
            }
            assertEquals(Errors.NONE, client.produce("filling", 1, batch(0)), "the other log dir keeps working");
        }
        assertEquals(expected(acked), readAll(0), "reads go on while the disk is full");
        assertTrue(broker.stderr().contains("is offline: writing filling-0 failed"), broker.stderr());
        assertTrue(!broker.stderr().contains("UNKNOWN_SERVER_ERROR") && !broker.stderr().contains("InternalError"),
                broker.stderr());

        // a clean restart while the disk is still full
        assertEquals(0, broker.stop(), "SIGTERM: a complete clean stop exits 0");
        start();
        assertEquals(expected(acked), readAll(0), "after a clean restart on a full disk");
        try (RawClient client = new RawClient("127.0.0.1", broker.port())) {
            assertEquals(acked, fillUntilRefused(client, acked), "still full: nothing more fits");
            Files.delete(ballast);
            awaitAccepted(client, batch(acked));
            acked++;
            for (int i = 0; i < 50; i++) {
                assertEquals(Errors.NONE, client.produce("filling", 0, batch(acked)));
                acked++;
            }
        }
        assertTrue(broker.stderr().contains("is writable again"), broker.stderr());

        broker.kill9();
        start();
        assertEquals(expected(acked), readAll(0), "after kill -9");
        assertEquals(0, broker.stop(), "SIGTERM: a complete clean stop exits 0");
        start();
        List<String> values = readAll(0);
        assertEquals(expected(acked), values, "after kill -9 and a clean restart");
        assertEquals(List.of("record-0"), readAll(1));
    }
}
