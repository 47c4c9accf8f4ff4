package io.logpipe.dist;

import static io.logpipe.dist.Dpkg.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The logpipe Debian package (the central host), installed with dpkg on this machine (root only): its files, its
 * units, the installed queue and indexer run by their units' ExecStart lines carrying a record into Elasticsearch,
 * and what remove and purge leave.
 */
class LogpipeDebIT {
    private static final Path HOME = Path.of("/usr/share/logpipe");
    private static final Path UNITS = Path.of("/lib/systemd/system");
    private static final Path QUEUE_DATA = Path.of("/var/lib/logpipe/queue");
    private static final Path SERVER_PROPERTIES = Path.of("/etc/logpipe/server.properties");
    private static final Path PIPELINE = Path.of("/etc/logpipe/pipelines/kafka_to_es.conf");
    private static final Path INDEXER_YML = Path.of("/etc/logpipe/indexer.yml");
    private static final Path CONSOLE_YML = Path.of("/etc/logpipe/console.yml");
    private static final String EDITED = "# edited by LogpipeDebIT";
    private static final List<String> CONFFILES = List.of("/etc/logpipe/server.properties", "/etc/logpipe/indexer.yml",
            "/etc/logpipe/retention.yml", "/etc/logpipe/console.yml", "/etc/logpipe/pipelines/kafka_to_es.conf");
    private static final List<String> UNIT_NAMES = List.of("logpipe-queue.service", "logpipe-indexer.service",
            "logpipe-console.service", "logpipe-prune.service", "logpipe-prune.timer", "logpipe.target");

    @TempDir
    Path dir;

    @Test
    void installsRunsTheQueueAsItsUnitSaysThenRemoveKeepsDataAndPurgeDeletesIt() throws Exception {
        try (Dpkg dpkg = Dpkg.install("logpipe")) {
            for (String command : List.of("queue-server", "indexer", "prune", "appliance", "console")) {
                assertTrue(Files.isExecutable(HOME.resolve("bin/" + command)), command);
            }
            for (String jar : List.of("queue.jar", "indexer.jar", "queue.classpath", "indexer.classpath")) {
                assertTrue(Files.isRegularFile(HOME.resolve("lib/" + jar)), jar);
            }
            assertEquals(Path.of("/etc/logpipe"), Files.readSymbolicLink(HOME.resolve("conf")));
            // console.yml's var/data/indexer/dead_letter_queue, from the console unit's WorkingDirectory
            assertEquals(Dpkg.VAR_LIB, Files.readSymbolicLink(HOME.resolve("var/data")));
            String conffiles = dpkg.conffiles();
            for (String conffile : CONFFILES) {
                assertTrue(Files.isRegularFile(Path.of(conffile)), conffile);
                assertTrue(conffiles.contains(conffile), conffile + " is a conffile");
            }
            for (String data : List.of("queue", "indexer")) {
                assertEquals("logpipe", Files.getOwner(Dpkg.VAR_LIB.resolve(data)).getName(), data);
            }
            assertTrue(Files.isDirectory(Path.of("/var/log/logpipe")));
            Dpkg.verifyUnits(UNIT_NAMES.stream().map(UNITS::resolve).toArray(Path[]::new));
            assertTrue(Files.readString(UNITS.resolve("logpipe.target")).contains(
                    "Wants=logpipe-queue.service logpipe-indexer.service logpipe-console.service logpipe-prune.timer"));
            String version = run("runuser", "-u", "logpipe", "--", HOME.resolve("bin/prune").toString(), "--version");
            assertEquals("prune " + System.getProperty("dist.version"), version.strip());

            carriesARecordIntoElasticsearchAsTheUnitsRunQueueAndIndexer();

            dpkg.remove();
            assertTrue(Files.readString(SERVER_PROPERTIES).startsWith(EDITED), "remove keeps the configs");
            assertTrue(hasFiles(QUEUE_DATA), "remove keeps the queue's data");
            assertFalse(Files.exists(HOME.resolve("bin/queue-server")));
            assertFalse(Files.exists(UNITS.resolve("logpipe.target")));

            dpkg.purge();
            for (String conffile : CONFFILES) {
                assertFalse(Files.exists(Path.of(conffile)), "purge deletes " + conffile);
            }
            assertFalse(Files.exists(QUEUE_DATA), "purge deletes the queue's data");
        }
    }

    /**
     * The installed queue and indexer, each started as its unit starts it, on the shipped configs with only the
     * addresses changed: a record sent to the queue becomes a document in Elasticsearch and stays in the queue's log;
     * the installed console, started as its unit starts it (in its WorkingDirectory), counts it on its pipeline page.
     */
    private void carriesARecordIntoElasticsearchAsTheUnitsRunQueueAndIndexer() throws Exception {
        int port = FreePorts.pick();
        String bootstrap = "127.0.0.1:" + port;
        ElasticsearchNode node = ElasticsearchNode.shared();
        edit(SERVER_PROPERTIES, "127.0.0.1:9092", bootstrap);
        edit(PIPELINE, "127.0.0.1:9092", bootstrap);
        edit(PIPELINE, "http://127.0.0.1:9200", node.url());
        edit(INDEXER_YML, "http.port: 9600", "http.port: " + FreePorts.pick());
        try (Daemons daemons = new Daemons()) {
            daemons.start(Dpkg.asItsUnitRunsIt(UNITS.resolve("logpipe-queue.service")), Path.of("/"),
                    ShipperDebIT.SYSTEMD_ENV, dir.resolve("queue.out"));
            daemons.waitFor("the installed queue listening on " + port, Duration.ofSeconds(60),
                    () -> Daemons.listening(port));
            daemons.start(Dpkg.asItsUnitRunsIt(UNITS.resolve("logpipe-indexer.service")), Path.of("/"),
                    ShipperDebIT.SYSTEMD_ENV, dir.resolve("indexer.out"));
            String message = "carried by the installed queue and indexer " + System.nanoTime();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("nginx.access", "{\"message\":\"" + message + "\"}")).get();
            }
            daemons.waitForDocument(node, "nginx.access-*", message);

            int consolePort = FreePorts.pick();
            edit(CONSOLE_YML, "server.port: 5601", "server.port: " + consolePort);
            edit(CONSOLE_YML, "http://127.0.0.1:9200", node.url());
            edit(CONSOLE_YML, "127.0.0.1:9092", bootstrap);
            Path consoleUnit = UNITS.resolve("logpipe-console.service");
            daemons.start(Dpkg.asItsUnitRunsIt(consoleUnit), Path.of(Dpkg.directive(consoleUnit, "WorkingDirectory")),
                    ShipperDebIT.SYSTEMD_ENV, dir.resolve("console.out"));
            HttpClient http = HttpClient.newHttpClient();
            URI pipeline = URI.create("http://127.0.0.1:" + consolePort + "/api/pipeline");
            StringBuilder last = new StringBuilder();
            // the pipelines (conf/ and pipelines/ links) name the index; the document is counted there
            try {
                daemons.waitFor("the installed console counting the document in nginx.access-*",
                        Duration.ofSeconds(90), () -> {
                            try {
                                String body = http.send(HttpRequest.newBuilder(pipeline).build(),
                                        HttpResponse.BodyHandlers.ofString()).body();
                                last.setLength(0);
                                last.append(body);
                                return body.contains("\"title\":\"indices nginx.access-*\"")
                                        && body.matches("(?s).*\"documents\":[1-9].*");
                            } catch (IOException e) {
                                return false;
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return false;
                            }
                        });
            } catch (AssertionError e) {
                throw new AssertionError("last /api/pipeline: " + last, e);
            }
        }
        assertTrue(hasFiles(QUEUE_DATA.resolve("nginx.access-0")), "the topic's log is in " + QUEUE_DATA + ": "
                + run("ls", "-R", QUEUE_DATA.toString()));
        assertTrue(Files.isDirectory(Dpkg.VAR_LIB.resolve("indexer")));
    }

    /** Replaces {@code from} (which the shipped file must hold) with {@code to}, marking the file as edited. */
    private static void edit(Path conffile, String from, String to) throws Exception {
        String text = Files.readString(conffile);
        assertTrue(text.contains(from), conffile + " as shipped holds " + from);
        String marked = text.startsWith(EDITED) ? text : EDITED + "\n" + text;
        Files.writeString(conffile, marked.replace(from, to));
    }

    private static boolean hasFiles(Path directory) throws Exception {
        if (!Files.isDirectory(directory)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            return files.anyMatch(Files::isRegularFile);
        }
    }
}
