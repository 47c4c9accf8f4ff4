package io.logpipe.shipper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.shipper.testing.ShipperProcess;
import io.logpipe.shipper.testing.TopicReader;
import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a real shipper process, as systemd and the appliance send it: a complete stop (everything acknowledged,
 * the registry written) exits 0 as Filebeat does, not the JVM's 143; a stop that could not write the registry exits 1.
 */
class SigtermExitTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path work;

    @Test
    void aCleanStopExitsZeroWithTheRegistryWritten() throws Exception {
        KafkaBroker broker = KafkaBroker.shared();
        String topic = "sigterm-clean";
        broker.createTopic(topic, 1);
        Path app = append(Files.createDirectories(work.resolve("logs")).resolve("app.log"), 0, 300);
        Process shipper = ShipperProcess.start(config(topic), work.resolve("shipper.log"));
        try (TopicReader reader = new TopicReader(broker.bootstrapServers(), topic)) {
            assertEquals(300, reader.awaitRecords(300, WAIT).size());
        }
        shipper.destroy(); // SIGTERM
        assertTrue(shipper.waitFor(60, TimeUnit.SECONDS), "stopped within the bound");
        String log = Files.readString(work.resolve("shipper.log"));
        assertEquals(0, shipper.exitValue(), "a complete stop exits 0, not 143\n" + log);
        assertTrue(log.contains("registry written to"), log);
        String registry = Files.readString(work.resolve("data/registry/shipper.json"));
        assertTrue(registry.contains("\"offset\":" + Files.size(app)), "every acknowledged line in the registry: "
                + registry);
    }

    @Test
    void aStopThatCannotWriteTheRegistryExitsNonZero() throws Exception {
        KafkaBroker broker = KafkaBroker.shared();
        String topic = "sigterm-failed";
        broker.createTopic(topic, 1);
        Path app = append(Files.createDirectories(work.resolve("logs")).resolve("app.log"), 0, 100);
        Process shipper = ShipperProcess.start(config(topic), work.resolve("shipper.log"));
        Path registryDir = work.resolve("data/registry");
        try (TopicReader reader = new TopicReader(broker.bootstrapServers(), topic)) {
            reader.awaitRecords(100, WAIT);
            Wait.until("the registry written once", WAIT, () -> Files.readString(registryDir.resolve("shipper.json"))
                    .contains("\"offset\":" + Files.size(app)));
            // the registry's directory replaced by a plain file: no registry can be written any more
            Files.move(registryDir, work.resolve("registry-aside"));
            Files.writeString(registryDir, "not a directory\n");
            append(app, 100, 50);
            reader.awaitRecords(150, WAIT); // acknowledged, so the registry has changed and must be written
        }
        shipper.destroy(); // SIGTERM
        assertTrue(shipper.waitFor(60, TimeUnit.SECONDS), "stopped within the bound");
        String log = Files.readString(work.resolve("shipper.log"));
        assertEquals(1, shipper.exitValue(), "the registry was not written: the exit status says so\n" + log);
        assertTrue(log.contains("writing the registry on shutdown failed"), log);
    }

    private Path config(String topic) throws IOException {
        Path config = work.resolve("shipper.yml");
        Files.writeString(config, "filebeat.inputs:\n  - type: log\n    paths: ['" + work.resolve("logs")
                + "/*.log']\n    scan_frequency: 100ms\npath.data: " + work.resolve("data") + "\n"
                + "filebeat.registry.flush: 200ms\n"
                + "output.kafka:\n  hosts: ['" + KafkaBroker.shared().bootstrapServers() + "']\n  topic: " + topic + "\n");
        return config;
    }

    private static Path append(Path file, int from, int count) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < from + count; i++) {
            sb.append("line ").append(i).append('\n');
        }
        Files.writeString(file, sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return file;
    }
}
