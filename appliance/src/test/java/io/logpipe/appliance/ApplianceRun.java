package io.logpipe.appliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logpipe.testkit.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The appliance started as a real process for the tests that run it whole: its main in a JVM of its own with the
 * repository as LOGPIPE_HOME, so that every part starts through its own launcher in bin/, and the Elasticsearch
 * distribution Maven resolved. Not bin/appliance itself: that runs appliance/target/appliance.jar, which the test
 * phase has not rebuilt from the classes under test.
 */
final class ApplianceRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ApplianceRun() {
    }

    /** The loopback ports of the parts a test appliance runs (the console is off). */
    record Ports(int elasticsearch, int queue, int indexerApi, int shipperApi) {
        static Ports pick() {
            int[] ports = FreePorts.pick(4);
            return new Ports(ports[0], ports[1], ports[2], ports[3]);
        }

        List<Integer> all() {
            return List.of(elasticsearch, queue, indexerApi, shipperApi);
        }
    }

    /** The repository: the launchers in bin/ and the default pipeline. */
    static Path home() {
        return Path.of("").toAbsolutePath().getParent();
    }

    /** Writes {@code dir/appliance.yml}: everything on this host, data under {@code dir/var}, a small heap. */
    static ApplianceConfig config(Path dir, Ports ports) throws IOException {
        // Elasticsearch runs as an unprivileged user when the tests run as root: it must reach the data dir.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = dir.resolve("appliance.yml");
        Files.writeString(file, """
                path.data: %s
                elasticsearch:
                  heap: 512m
                  port: %d
                queue:
                  port: %d
                indexer:
                  api_port: %d
                  shutdown_timeout: 5s
                shipper:
                  api_port: %d
                console:
                  enabled: false
                """.formatted(dir.resolve("var"), ports.elasticsearch(), ports.queue(), ports.indexerApi(),
                ports.shipperApi()));
        return ApplianceConfig.load(home(), file);
    }

    /** Starts {@code bin/appliance ARGS -c CONFIG} as bin/appliance would, its output (both streams) to {@code output}. */
    static Process start(ApplianceConfig config, Path output, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-D" + EmbeddedElasticsearch.ZIP_PROPERTY + "=" + System.getProperty("testkit.es.zip"),
                "-cp", System.getProperty("java.class.path"), Appliance.class.getName()));
        command.addAll(List.of(args));
        command.addAll(List.of("-c", config.file().toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("LOGPIPE_HOME", home().toString());
        return builder.start();
    }

    /** The supervisor's state file, or an empty object while there is none. */
    static JsonNode state(Appliance.Layout layout) {
        try {
            return Appliance.readState(layout);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    static JsonNode part(Appliance.Layout layout, String name) {
        for (JsonNode part : state(layout).path("parts")) {
            if (part.path("name").asText().equals(name)) {
                return part;
            }
        }
        throw new AssertionError("no part " + name + " in " + state(layout));
    }

    static long pid(Appliance.Layout layout, String name) {
        return part(layout, name).path("pid").asLong();
    }
}
