package io.logpipe.dist;

import static io.logpipe.dist.Dpkg.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.testkit.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The logpipe-shipper Debian package, installed with dpkg on this machine (root only): where its files land, its
 * user, its unit, the installed agent run by its unit's ExecStart line, and what remove and purge leave.
 */
class ShipperDebIT {
    private static final Path CONFIG = Path.of("/etc/logpipe/shipper.yml");
    private static final Path REGISTRY_DIR = Path.of("/var/lib/logpipe/shipper");
    private static final Path UNIT = Path.of("/lib/systemd/system/logpipe-shipper.service");
    /** As systemd starts a service: in /, its default PATH, no JAVA_HOME (java is the runtime the package needs). */
    static final Map<String, String> SYSTEMD_ENV = Map.of(
            "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG", "C.UTF-8");

    @Test
    void installsRunsAsItsUnitSaysThenRemoveKeepsConfigAndPurgeDeletesIt() throws Exception {
        try (Dpkg dpkg = Dpkg.install("logpipe-shipper")) {
            assertTrue(Files.isExecutable(Path.of("/usr/share/logpipe-shipper/bin/shipper")));
            assertTrue(Files.isRegularFile(Path.of("/usr/share/logpipe-shipper/lib/shipper.jar")));
            assertTrue(Files.isRegularFile(CONFIG));
            assertTrue(dpkg.conffiles().contains(CONFIG.toString()), CONFIG + " is a conffile");
            assertTrue(Files.isRegularFile(UNIT));
            assertTrue(Files.isDirectory(REGISTRY_DIR));
            assertEquals("logpipe", Files.getOwner(REGISTRY_DIR).getName());
            assertTrue(Dpkg.words(run("id", "-nG", "logpipe")).contains("adm"), "logpipe is in group adm");
            assertTrue(run("getent", "passwd", "logpipe").strip().endsWith(":/usr/sbin/nologin"));
            Dpkg.verifyUnits(UNIT);

            shipsALineAsItsUnitRunsIt();
            dpkg.reinstall();
            assertTrue(Files.readString(CONFIG).contains("dist.deb"), "an upgrade keeps the edited " + CONFIG);

            dpkg.remove();
            assertTrue(Files.isRegularFile(CONFIG), "remove keeps " + CONFIG);
            assertTrue(Files.readString(CONFIG).contains("dist.deb"), "remove keeps the edited " + CONFIG);
            assertTrue(Files.isDirectory(REGISTRY_DIR), "remove keeps the registry");
            assertFalse(Files.exists(Path.of("/usr/share/logpipe-shipper/bin/shipper")));
            assertFalse(Files.exists(UNIT));

            dpkg.purge();
            assertFalse(Files.exists(CONFIG), "purge deletes " + CONFIG);
            assertFalse(Files.exists(REGISTRY_DIR), "purge deletes the registry");
        }
    }

    /** The installed agent, started as its unit starts it (User=, ExecStart=), ships a line into a broker. */
    private void shipsALineAsItsUnitRunsIt() throws Exception {
        List<String> command = Dpkg.asItsUnitRunsIt(UNIT);
        assertEquals(List.of("-c", CONFIG.toString(), "--path.data", REGISTRY_DIR.toString()),
                command.subList(command.indexOf("--") + 2, command.size()));

        // A log the logpipe user may read, as it reads /var/log through group adm.
        Path logs = Files.createTempDirectory(Path.of("/tmp"), "logpipe-deb-");
        Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwxr-x---"));
        String line = "GET /from-the-deb/" + System.nanoTime() + " HTTP/1.1 200";
        Path log = Files.writeString(logs.resolve("app.log"), line + "\n");
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-r-----"));
        run("chgrp", "-R", "adm", logs.toString());

        try (KafkaBroker broker = KafkaBroker.start(); Daemons daemons = new Daemons()) {
            Files.writeString(CONFIG, """
                    filebeat.inputs:
                      - type: log
                        paths: ["%s"]
                    output.kafka:
                      hosts: ["%s"]
                      topic: dist.deb
                    """.formatted(log, broker.bootstrapServers()));
            broker.createTopic("dist.deb", 1);
            daemons.start(command, Path.of("/"), SYSTEMD_ENV, logs.resolve("shipper.out"));
            try (KafkaConsumer<String, String> consumer = consumer(broker)) {
                consumer.subscribe(List.of("dist.deb"));
                List<String> received = new ArrayList<>();
                daemons.waitFor("the line in topic dist.deb", Duration.ofSeconds(90), () -> {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                        received.add(record.value());
                    }
                    return received.stream().anyMatch(v -> v.contains(line));
                });
                assertEquals(1, received.size(), "one event for one line: " + received);
            }
        } finally {
            run("rm", "-rf", logs.toString());
        }
    }

    private static KafkaConsumer<String, String> consumer(KafkaBroker broker) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "dist-deb");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }
}
