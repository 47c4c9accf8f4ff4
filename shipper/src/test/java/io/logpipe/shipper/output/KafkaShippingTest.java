package io.logpipe.shipper.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.logpipe.shipper.registry.FileState;
import io.logpipe.shipper.testing.Harness;
import io.logpipe.shipper.testing.ShipperProcess;
import io.logpipe.shipper.testing.TopicReader;
import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end against a real Apache Kafka broker, read back with a plain KafkaConsumer. */
class KafkaShippingTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final AtomicInteger TOPICS = new AtomicInteger();
    private static KafkaBroker broker;

    @TempDir
    Path work;

    @BeforeAll
    static void broker() {
        broker = KafkaBroker.shared();
    }

    private static String topic(int partitions) {
        String t = "shipper-test-" + TOPICS.incrementAndGet();
        broker.createTopic(t, partitions);
        return t;
    }

    private static String kafka(String topic, String extra) {
        return "output.kafka:\n  hosts: ['" + broker.bootstrapServers() + "']\n  topic: '" + topic + "'\n" + extra;
    }

    private static String input(Path glob, String extra) {
        return "  - type: log\n    paths: ['" + glob + "']\n    scan_frequency: 100ms\n    close_inactive: 2s\n"
                + extra;
    }

    private static void write(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void eventsArriveAsFilebeatShipsThemOnTheTopicNamedByTheirFields() throws Exception {
        String a = topic(1);
        String b = topic(3);
        Path logs = Files.createDirectories(work.resolve("logs"));
        Files.writeString(logs.resolve("a.log"), "alpha 1\nalpha 2\n");
        Files.writeString(logs.resolve("b.log"), "beta 1\r\n");
        String inputs = input(logs.resolve("a.log"), "    fields: {log_topic: " + a + "}\n    tags: [web]\n")
                + input(logs.resolve("b.log"), "    fields: {log_topic: " + b + "}\n");
        String output = "output.kafka:\n  hosts: ['" + broker.bootstrapServers() + "']\n"
                + "  topic: '%{[fields.log_topic]}'\n  key: '%{[fields.log_topic]}-key'\n  required_acks: -1\n"
                + "  compression: lz4\n";
        try (Harness h = Harness.start(work, inputs, output);
             TopicReader ra = new TopicReader(broker.bootstrapServers(), a);
             TopicReader rb = new TopicReader(broker.bootstrapServers(), b)) {
            List<ConsumerRecord<byte[], byte[]>> got = ra.awaitRecords(2, WAIT);
            assertEquals(List.of("alpha 1", "alpha 2"), TopicReader.messages(got));
            JsonNode e = TopicReader.json(got.get(1));
            assertEquals(a + "-key", new String(got.get(1).key(), StandardCharsets.UTF_8));
            assertTrue(e.path("@timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
            assertEquals(logs.resolve("a.log").toString(), e.path("log").path("file").path("path").asText());
            assertEquals(8, e.path("log").path("offset").asLong());
            assertEquals("log", e.path("input").path("type").asText());
            assertEquals(a, e.path("fields").path("log_topic").asText());
            assertEquals("web", e.path("tags").get(0).asText());
            assertEquals("filebeat", e.path("agent").path("type").asText());
            assertFalse(e.path("agent").path("id").asText().isEmpty());
            assertFalse(e.path("host").path("name").asText().isEmpty());
            assertEquals("1.12.0", e.path("ecs").path("version").asText());
            assertEquals("filebeat", e.path("@metadata").path("beat").asText());
            assertEquals(List.of("beta 1"), TopicReader.messages(rb.awaitRecords(1, WAIT)), "CRLF stripped");
            Wait.until("registry offsets at the end of both files", WAIT, () -> {
                Map<String, Long> offsets = new HashMap<>();
                for (FileState s : h.agent().registry().all()) {
                    offsets.put(Path.of(s.source()).getFileName().toString(), s.offset());
                }
                return Long.valueOf(16).equals(offsets.get("a.log")) && Long.valueOf(8).equals(offsets.get("b.log"));
            });
        }
    }

    @Test
    void anEventOverMaxMessageBytesIsShippedWithItsMessageCutAndFlagged() throws Exception {
        String t = topic(1);
        Path app = Files.createDirectories(work.resolve("logs")).resolve("app.log");
        Files.writeString(app, "k".repeat(5000) + "\nsmall\n");
        try (Harness h = Harness.start(work, input(app, ""), kafka(t, "  max_message_bytes: 2000\n"));
             TopicReader r = new TopicReader(broker.bootstrapServers(), t)) {
            List<ConsumerRecord<byte[], byte[]>> got = r.awaitRecords(2, WAIT);
            assertTrue(got.get(0).value().length <= 2000, "record size " + got.get(0).value().length);
            JsonNode big = TopicReader.json(got.get(0));
            assertTrue(big.path("message").asText().startsWith("kkkk"));
            assertTrue(big.path("message").asText().length() < 2000);
            assertEquals("truncated", big.path("log").path("flags").get(0).asText());
            assertEquals("small", TopicReader.json(got.get(1)).path("message").asText());
        }
    }

    @Test
    void javaStackTracesArriveAsOneEventEach() throws Exception {
        String t = topic(1);
        Path app = Files.createDirectories(work.resolve("logs")).resolve("app.log");
        Files.writeString(app, """
                2024-05-01 12:00:00,001 INFO  [main] c.e.App - starting
                2024-05-01 12:00:01,002 ERROR [main] c.e.App - request failed
                java.lang.IllegalStateException: no connection
                \tat com.example.Db.connect(Db.java:42)
                \tat com.example.App.main(App.java:7)
                Caused by: java.net.ConnectException: Connection refused
                \t... 2 more
                2024-05-01 12:00:02,003 INFO  [main] c.e.App - retrying
                """);
        String ml = "    multiline.type: pattern\n    multiline.pattern: '^\\d{4}-\\d{2}-\\d{2}'\n"
                + "    multiline.negate: true\n    multiline.match: after\n";
        try (Harness h = Harness.start(work, input(app, ml), kafka(t, ""));
             TopicReader r = new TopicReader(broker.bootstrapServers(), t)) {
            List<ConsumerRecord<byte[], byte[]>> got = r.awaitRecords(3, WAIT);
            List<String> messages = TopicReader.messages(got);
            assertEquals("2024-05-01 12:00:01,002 ERROR [main] c.e.App - request failed\n"
                    + "java.lang.IllegalStateException: no connection\n\tat com.example.Db.connect(Db.java:42)\n"
                    + "\tat com.example.App.main(App.java:7)\nCaused by: java.net.ConnectException: Connection "
                    + "refused\n\t... 2 more", messages.get(1));
            assertEquals("multiline", TopicReader.json(got.get(1)).path("log").path("flags").get(0).asText());
            assertEquals("2024-05-01 12:00:02,003 INFO  [main] c.e.App - retrying", messages.get(2));
        }
    }

    @Test
    void aLinkAndItsTargetInOneGlobAreShippedOnce() throws Exception {
        String t = topic(1);
        Path logs = Files.createDirectories(work.resolve("logs"));
        Path real = logs.resolve("real.log");
        Files.writeString(real, "only once\n");
        Files.createSymbolicLink(logs.resolve("alias.log"), real);
        Files.createSymbolicLink(logs.resolve("dangling.log"), logs.resolve("missing"));
        try (Harness h = Harness.start(work, input(logs.resolve("*.log"), ""), kafka(t, ""));
             TopicReader r = new TopicReader(broker.bootstrapServers(), t)) {
            r.awaitRecords(1, WAIT);
            List<ConsumerRecord<byte[], byte[]>> all = r.drain(Duration.ofSeconds(1));
            assertEquals(List.of("only once"), TopicReader.messages(all));
            assertEquals(real.toString(), TopicReader.json(all.get(0)).path("log").path("file").path("path").asText());
        }
    }

    @Test
    void renameRotationUnderLoadArrivesCompleteAndOnce() throws Exception {
        String t = topic(3);
        Path logs = Files.createDirectories(work.resolve("logs"));
        Path app = logs.resolve("app.log");
        List<String> expected = new ArrayList<>();
        try (Harness h = Harness.start(work, input(logs.resolve("app.log*"), ""),
                kafka(t, "  partition.round_robin: {reachable_only: false}\n"));
             TopicReader r = new TopicReader(broker.bootstrapServers(), t)) {
            OutputStream out = Files.newOutputStream(app);
            for (int i = 0; i < 30_000; i++) {
                String line = "line " + i + " " + "y".repeat(i % 113);
                write(out, line);
                expected.add(line);
                if (i % 5000 == 4999) {
                    Files.move(app, logs.resolve("app.log." + i));
                    out.close();
                    out = Files.newOutputStream(app);
                }
            }
            out.close();
            r.awaitRecords(expected.size(), WAIT);
            List<String> got = TopicReader.messages(r.drain(Duration.ofSeconds(1)));
            assertEquals(expected.size(), got.size(), "count");
            assertEquals(checksum(expected), checksum(got), "checksum");
            assertEquals(new HashSet<>(expected), new HashSet<>(got));
        }
    }

    @Test
    void anUnreachableBrokerLosesNothing_theEventsWaitForIt() throws Exception {
        String t = topic(1);
        Path app = Files.createDirectories(work.resolve("logs")).resolve("app.log");
        Files.writeString(app, "waiting 1\nwaiting 2\n");
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        String unreachable = "output.kafka:\n  hosts: ['127.0.0.1:" + deadPort + "']\n  topic: '" + t + "'\n"
                + "  broker_timeout: 1s\n  backoff.init: 100ms\n  backoff.max: 500ms\n"
                + "filebeat.shutdown_timeout: 500ms\n";
        try (Harness h = Harness.start(work, input(app, ""), unreachable)) {
            Wait.until("the events handed to the output", WAIT, () -> h.agent().publishWindow().batchesInFlight() > 0);
            assertEquals(0, h.agent().publishWindow().acknowledged(), "nothing acknowledged without a broker");
            for (FileState s : h.agent().registry().all()) {
                assertEquals(0, s.offset(), "the registry did not move");
            }
        }
        try (Harness h = Harness.start(work, input(app, ""), kafka(t, ""));
             TopicReader r = new TopicReader(broker.bootstrapServers(), t)) {
            r.awaitRecords(2, WAIT);
            assertEquals(List.of("waiting 1", "waiting 2"), TopicReader.messages(r.drain(Duration.ofMillis(500))));
        }
    }

    @Test
    void killDashNineMidRunLosesNothingAcknowledged() throws Exception {
        String t = topic(2);
        Path logs = Files.createDirectories(work.resolve("logs"));
        Path app = logs.resolve("app.log");
        Path config = work.resolve("shipper.yml");
        Files.writeString(config, "filebeat.inputs:\n" + input(app, "") + "path.data: " + work.resolve("data")
                + "\nfilebeat.registry.flush: 200ms\n" + kafka(t, "  required_acks: -1\n"));
        List<String> expected = new ArrayList<>();
        int total = 40_000;
        Thread writer = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(app)) {
                for (int i = 0; i < total; i++) {
                    write(out, "event " + i);
                    if (i % 200 == 0) {
                        out.flush();
                        Thread.sleep(5);
                    }
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        for (int i = 0; i < total; i++) {
            expected.add("event " + i);
        }
        Process first = ShipperProcess.start(config, work.resolve("first.log"));
        writer.start();
        try (TopicReader r = new TopicReader(broker.bootstrapServers(), t)) {
            r.awaitRecords(3000, WAIT); // mid-run: shipping, with more lines coming
            first.destroyForcibly().waitFor(); // SIGKILL
            writer.join();
            Process second = ShipperProcess.start(config, work.resolve("second.log"));
            try {
                r.awaitRecords(total, WAIT);
                List<String> got = TopicReader.messages(r.drain(Duration.ofSeconds(2)));
                Set<String> distinct = new HashSet<>(got);
                assertEquals(new HashSet<>(expected), distinct, "every line arrived");
                // at-least-once: a kill -9 may resend what was acknowledged after the last registry write
                assertTrue(got.size() - distinct.size() < 10_000, "duplicates bounded: " + (got.size() - total));
                System.out.println("kill -9: " + (got.size() - total) + " duplicate(s) of " + total);
            } finally {
                second.destroy();
                second.waitFor();
            }
        }
        String registry = Files.readString(work.resolve("data/registry/shipper.json"));
        assertTrue(registry.contains("\"offset\":" + Files.size(app)), registry);
    }

    private static long checksum(List<String> lines) {
        long sum = 0;
        for (String l : lines) {
            CRC32 crc = new CRC32();
            crc.update(l.getBytes(StandardCharsets.UTF_8));
            sum += crc.getValue();
        }
        return sum;
    }
}
