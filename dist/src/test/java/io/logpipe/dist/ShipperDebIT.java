package io.logpipe.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The logpipe-shipper Debian package, installed with dpkg on this machine (root only): where its files land, its
 * user, its unit, the installed agent run by its unit's ExecStart line, and what remove and purge leave. The machine
 * is left as found: the package purged, and the user and directories it created removed.
 */
class ShipperDebIT {
    private static final String PACKAGE = "logpipe-shipper";
    private static final Path CONFIG = Path.of("/etc/logpipe/shipper.yml");
    private static final Path REGISTRY_DIR = Path.of("/var/lib/logpipe/shipper");
    private static final Path UNIT = Path.of("/lib/systemd/system/logpipe-shipper.service");
    private static final Duration DPKG_TIMEOUT = Duration.ofMinutes(3);

    @Test
    void installsRunsAsItsUnitSaysThenRemoveKeepsConfigAndPurgeDeletesIt() throws Exception {
        assumeTrue(Processes.currentUid() == 0, "ShipperDebIT skipped: dpkg -i needs root (CI runs as root)");
        assumeTrue(exitCode("dpkg", "--version") == 0, "ShipperDebIT skipped: no dpkg on this machine");
        assumeTrue(!installed(), "ShipperDebIT skipped: " + PACKAGE + " is installed here already; not touching it");
        boolean userExisted = exitCode("getent", "passwd", "logpipe") == 0;
        boolean etcExisted = Files.exists(CONFIG.getParent());
        boolean varExisted = Files.exists(REGISTRY_DIR.getParent());
        try {
            run("dpkg", "-i", deb().toString());

            assertTrue(Files.isExecutable(Path.of("/usr/share/logpipe-shipper/bin/shipper")));
            assertTrue(Files.isRegularFile(Path.of("/usr/share/logpipe-shipper/lib/shipper.jar")));
            assertTrue(Files.isRegularFile(CONFIG));
            assertTrue(run("dpkg-query", "-W", "-f=${Conffiles}", PACKAGE).contains(CONFIG.toString()),
                    CONFIG + " is a conffile");
            assertTrue(Files.isRegularFile(UNIT));
            assertTrue(Files.isDirectory(REGISTRY_DIR));
            assertEquals("logpipe", Files.getOwner(REGISTRY_DIR).getName());
            assertTrue(List.of(words(run("id", "-nG", "logpipe"))).contains("adm"), "logpipe is in group adm");
            assertTrue(run("getent", "passwd", "logpipe").strip().endsWith(":/usr/sbin/nologin"));
            assertFalse(run("dpkg-query", "-W", "-f=${Depends}", PACKAGE).isBlank());
            if (exitCode("sh", "-c", "command -v systemd-analyze") == 0) {
                run("systemd-analyze", "verify", UNIT.toString());
            } else {
                System.out.println("ShipperDebIT: no systemd-analyze here; the unit is not verified");
            }

            shipsALineAsItsUnitRunsIt();

            run("dpkg", "-r", PACKAGE);
            assertTrue(Files.isRegularFile(CONFIG), "remove keeps " + CONFIG);
            assertTrue(Files.readString(CONFIG).contains("dist.deb"), "remove keeps the edited " + CONFIG);
            assertTrue(Files.isDirectory(REGISTRY_DIR), "remove keeps the registry");
            assertFalse(Files.exists(Path.of("/usr/share/logpipe-shipper/bin/shipper")));
            assertFalse(Files.exists(UNIT));

            run("dpkg", "--purge", PACKAGE);
            assertFalse(Files.exists(CONFIG), "purge deletes " + CONFIG);
            assertFalse(Files.exists(REGISTRY_DIR), "purge deletes the registry");
        } finally {
            if (installed() || exitCode("dpkg-query", "-W", PACKAGE) == 0) {
                exitCode("dpkg", "--purge", PACKAGE);
            }
            if (!userExisted && exitCode("getent", "passwd", "logpipe") == 0) {
                run("userdel", "logpipe");
                if (exitCode("getent", "group", "logpipe") == 0) {
                    run("groupdel", "logpipe");
                }
            }
            if (!etcExisted) {
                deleteIfEmpty(CONFIG.getParent());
            }
            if (!varExisted) {
                deleteIfEmpty(REGISTRY_DIR.getParent());
            }
        }
    }

    /** The installed agent, started as its unit starts it (User=, ExecStart=), ships a line into a broker. */
    private void shipsALineAsItsUnitRunsIt() throws Exception {
        String unit = Files.readString(UNIT);
        String user = directive(unit, "User");
        List<String> execStart = List.of(words(directive(unit, "ExecStart")));
        assertEquals(List.of("-c", CONFIG.toString(), "--path.data", REGISTRY_DIR.toString()),
                execStart.subList(1, execStart.size()));

        // A log the logpipe user may read, as it reads /var/log through group adm.
        Path logs = Files.createTempDirectory(Path.of("/tmp"), "logpipe-deb-");
        Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwxr-x---"));
        run("chgrp", "adm", logs.toString());
        String line = "GET /from-the-deb/" + System.nanoTime() + " HTTP/1.1 200";
        Path log = Files.writeString(logs.resolve("app.log"), line + "\n");
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-r-----"));
        run("chgrp", "adm", log.toString());

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
            List<String> command = new ArrayList<>(List.of("runuser", "-u", user, "--"));
            command.addAll(execStart);
            // As systemd starts it: in /, its default PATH, no JAVA_HOME (java is the runtime the package depends on)
            daemons.start(command, Path.of("/"), Map.of("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "LANG", "C.UTF-8"), logs.resolve("shipper.out"));
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
            try (Stream<Path> files = Files.walk(logs)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static KafkaConsumer<String, String> consumer(KafkaBroker broker) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "dist-deb");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    /** The value of {@code name=} in a unit file (the one line that sets it). */
    private static String directive(String unit, String name) {
        List<String> values = unit.lines().filter(l -> l.startsWith(name + "=")).map(l -> l.substring(name.length() + 1))
                .toList();
        assertEquals(1, values.size(), name + "= lines in " + UNIT);
        return values.get(0);
    }

    private static Path deb() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("dist.output")))) {
            List<Path> debs = files.filter(p -> p.getFileName().toString().startsWith(PACKAGE + "_")
                    && p.getFileName().toString().endsWith(".deb")).toList();
            assertEquals(1, debs.size(), "one " + PACKAGE + " .deb in dist/: " + debs);
            return debs.get(0);
        }
    }

    private static boolean installed() throws Exception {
        return exitCode("sh", "-c", "dpkg-query -W -f='${Status}' " + PACKAGE + " 2>/dev/null | grep -q 'ok installed'")
                == 0;
    }

    private static void deleteIfEmpty(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            try (Stream<Path> entries = Files.list(directory)) {
                if (entries.findAny().isEmpty()) {
                    Files.delete(directory);
                }
            }
        }
    }

    private static String[] words(String text) {
        return Arrays.stream(text.strip().split("\\s+")).toArray(String[]::new);
    }

    private static String run(String... command) throws Exception {
        return Processes.run(List.of(command), DPKG_TIMEOUT);
    }

    private static int exitCode(String... command) throws Exception {
        return Processes.exitCode(List.of(command), DPKG_TIMEOUT);
    }
}
