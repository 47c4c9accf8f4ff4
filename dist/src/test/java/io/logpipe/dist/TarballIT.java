package io.logpipe.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.FreePorts;
import io.logpipe.testkit.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dist/logpipe-VERSION.tar.gz, unpacked where nothing but a Java runtime and bash is on PATH: no Maven, no sources.
 * Its queue, indexer and shipper carry a line from a log file into Elasticsearch.
 */
class TarballIT {
    private static final String VERSION = System.getProperty("dist.version");

    @TempDir
    static Path dir;
    private static Path home;
    private static Map<String, String> env;

    @BeforeAll
    static void unpack() throws Exception {
        Path tarball = Path.of(System.getProperty("dist.tarball"));
        assertTrue(Files.isRegularFile(tarball), tarball + " was not built");
        Processes.run(List.of("tar", "-xzf", tarball.toString(), "-C", dir.toString()), Duration.ofMinutes(2));
        home = dir.resolve("logpipe-" + VERSION);
        // The launchers need bash, dirname and env (their #! line); java comes from JAVA_HOME. Nothing else.
        Path bin = Files.createDirectory(dir.resolve("path"));
        for (String tool : List.of("bash", "dirname", "env")) {
            Path installed = Path.of(Processes.run(List.of("bash", "-c", "command -v " + tool), Duration.ofSeconds(10))
                    .strip());
            Files.copy(installed, bin.resolve(tool), StandardCopyOption.COPY_ATTRIBUTES);
        }
        env = Map.of("PATH", bin.toString(), "JAVA_HOME", System.getProperty("java.home"), "HOME", dir.toString());
    }

    @Test
    void holdsEveryComponentWithItsJarsOnce() throws Exception {
        for (String part : List.of("bin/shipper", "bin/queue-server", "bin/indexer", "bin/prune", "bin/appliance",
                "bin/console", "bin/lib/launcher.sh", "conf/shipper.yml", "conf/server.properties", "conf/indexer.yml",
                "conf/retention.yml", "conf/console.yml", "pipelines/kafka_to_es.conf", "deploy/logpipe-prune.timer",
                "deploy/logpipe-shipper.service", "deploy/logpipe-console.service", "README.md")) {
            assertTrue(Files.isRegularFile(home.resolve(part)), part + " is missing");
        }
        assertTrue(Files.isExecutable(home.resolve("bin/shipper")));
        Set<String> named = new HashSet<>();
        for (String component : List.of("queue", "shipper", "indexer", "appliance", "console")) {
            assertTrue(Files.isRegularFile(home.resolve("lib/" + component + ".jar")), component + ".jar is missing");
            named.add(component + ".jar");
            named.add(component + ".classpath");
            String classpath = Files.readString(home.resolve("lib/" + component + ".classpath")).strip();
            for (String entry : classpath.isEmpty() ? new String[0] : classpath.split(":")) {
                assertTrue(Files.isRegularFile(home.resolve(entry)), component + " needs " + entry + ", not in lib/");
                named.add(Path.of(entry).getFileName().toString());
            }
        }
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            List<String> unused = lib.map(p -> p.getFileName().toString()).filter(n -> !named.contains(n)).toList();
            assertEquals(List.of(), unused, "jars in lib/ that no component runs with (a second version?)");
        }
    }

    @Test
    void everyCommandPrintsTheBuildsVersion() throws Exception {
        for (String command : List.of("shipper", "queue-server", "indexer", "prune")) {
            String out = run(List.of(home.resolve("bin/" + command).toString(), "--version"));
            assertTrue(out.strip().endsWith(" " + VERSION), command + " --version printed: " + out);
        }
    }

    @Test
    void aLineGoesFromALogFileThroughQueueAndIndexerIntoElasticsearch() throws Exception {
        ElasticsearchNode node = ElasticsearchNode.shared();
        int port = FreePorts.pick();
        String topic = "dist.tarball";
        String line = "GET /from-the-tarball/" + System.nanoTime() + " HTTP/1.1 200";
        Path log = Files.writeString(dir.resolve("app.log"), line + "\n");
        Path serverProperties = Files.writeString(dir.resolve("server.properties"), """
                node.id=1
                listeners=PLAINTEXT://127.0.0.1:%d
                advertised.listeners=PLAINTEXT://127.0.0.1:%d
                log.dirs=%s
                num.partitions=1
                auto.create.topics.enable=true
                """.formatted(port, port, dir.resolve("queue-data")));
        Path pipeline = Files.writeString(dir.resolve("pipeline.conf"), """
                input {
                  kafka {
                    bootstrap_servers => "127.0.0.1:%d"
                    topics => ["%s"]
                    group_id => "dist-tarball"
                    auto_offset_reset => "earliest"
                    codec => json
                  }
                }
                output {
                  elasticsearch { hosts => ["%s"] index => "dist-tarball-%%{+YYYY.MM.dd}" }
                }
                """.formatted(port, topic, node.url()));
        Path shipperYml = Files.writeString(dir.resolve("shipper.yml"), """
                filebeat.inputs:
                  - type: log
                    paths: ["%s"]
                output.kafka:
                  hosts: ["127.0.0.1:%d"]
                  topic: %s
                """.formatted(log, port, topic));
        try (Daemons daemons = new Daemons()) {
            daemons.start(List.of(home.resolve("bin/queue-server").toString(), serverProperties.toString()), dir, env,
                    dir.resolve("queue.log"));
            daemons.waitFor("queue listening on " + port, Duration.ofSeconds(60), () -> Daemons.listening(port));
            daemons.start(List.of(home.resolve("bin/indexer").toString(), "-f", pipeline.toString(), "--path.data",
                    dir.resolve("indexer-data").toString(), "--http.port", "0"), dir, env, dir.resolve("indexer.log"));
            daemons.start(List.of(home.resolve("bin/shipper").toString(), "-c", shipperYml.toString(), "--path.data",
                    dir.resolve("shipper-data").toString()), dir, env, dir.resolve("shipper.log"));
            daemons.waitForDocument(node, "dist-tarball-*", line);
        }
    }

    /** Runs a command of the unpacked tarball with the bare environment; its output. */
    private static String run(List<String> command) throws Exception {
        List<String> withEnv = new ArrayList<>(List.of("env", "-i"));
        env.forEach((k, v) -> withEnv.add(k + "=" + v));
        withEnv.addAll(command);
        String out = Processes.run(withEnv, Duration.ofMinutes(1));
        assertFalse(out.contains("mvn"), out);
        return out;
    }
}
