package io.logpipe.shipper.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logpipe.common.io.FormatVersion;
import io.logpipe.shipper.testing.Harness;
import io.logpipe.testkit.FormatFixtures;
import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upgrades keep the registry: {@code src/test/resources/formats/v1/} is a data dir the shipper wrote in registry
 * format version 1 (written by {@link #writeFixture()}, kept unchanged), and this release resumes from it. When the
 * format changes, add a {@code v2} fixture beside it and keep this one passing.
 */
class RegistryFormatTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIXTURE = "/formats/v1";
    private static final List<String> LINES = List.of("line 1", "line 2", "line 3", "line 4 (after the stop)",
            "line 5 (after the stop)");

    @TempDir
    Path work;

    /**
     * The fixture generator: ships three lines of {@code logs/app.log} with the real agent, stops, appends two more,
     * and keeps {@code data/registry/shipper.json}, {@code data/meta.json} and the log. Run it only to add a fixture
     * for a new format: {@code mvn -pl shipper -am -Dtest=RegistryFormatTest -Dformats.write=true verify}.
     */
    @Test
    @EnabledIfSystemProperty(named = FormatFixtures.WRITE, matches = "true")
    void writeFixture() throws Exception {
        Path app = Files.createDirectories(work.resolve("logs")).resolve("app.log");
        Files.writeString(app, String.join("\n", LINES.subList(0, 3)) + "\n");
        try (Harness h = Harness.start(work, input(app))) {
            h.awaitMessages(3, WAIT);
            awaitRegistryAtEnd(h, app);
        }
        Files.writeString(app, String.join("\n", LINES.subList(3, 5)) + "\n", StandardOpenOption.APPEND);
        Path kept = work.resolve("fixture");
        for (String file : List.of("data/registry/shipper.json", "data/meta.json", "logs/app.log")) {
            Files.createDirectories(kept.resolve(file).getParent());
            Files.copy(work.resolve(file), kept.resolve(file));
        }
        FormatFixtures.keep(kept, FIXTURE);
    }

    @Test
    void resumesFromAVersion1RegistryAtItsOffset() throws Exception {
        Path app = copyFixture();
        String agentId = JSON.readTree(work.resolve("data/meta.json").toFile()).path("uuid").asText();
        try (Harness h = Harness.start(work, input(app))) {
            h.awaitMessages(2, WAIT);
            awaitRegistryAtEnd(h, app);
            assertEquals(LINES.subList(3, 5), h.messages(), "only what the registry had not acknowledged");
            assertEquals(agentId, h.events().get(0).path("agent").path("id").asText(), "the agent id is kept");
        }
        JsonNode registry = JSON.readTree(work.resolve("data/registry/shipper.json").toFile());
        assertEquals(Registry.FORMAT.current(), registry.path("version").asInt());
    }

    @Test
    void aRegistryWithoutAVersionIsTheLegacyVersion1() throws Exception {
        Path app = copyFixture();
        ObjectNode registry = (ObjectNode) JSON.readTree(work.resolve("data/registry/shipper.json").toFile());
        registry.remove("version");
        JSON.writeValue(work.resolve("data/registry/shipper.json").toFile(), registry);
        try (Harness h = Harness.start(work, input(app))) {
            h.awaitMessages(2, WAIT);
            awaitRegistryAtEnd(h, app);
            assertEquals(LINES.subList(3, 5), h.messages());
        }
    }

    @Test
    void aNewerRegistryStopsTheStartAndIsLeftAsItIs() throws Exception {
        Path app = copyFixture();
        Path file = work.resolve("data/registry/shipper.json");
        ObjectNode registry = (ObjectNode) JSON.readTree(file.toFile());
        registry.put("version", Registry.FORMAT.current() + 1);
        JSON.writeValue(file.toFile(), registry);
        byte[] before = Files.readAllBytes(file);

        FormatVersion.NewerFormatException e = assertThrows(FormatVersion.NewerFormatException.class,
                () -> Registry.open(work.resolve("data")));
        assertEquals(file, e.file());
        assertEquals(Registry.FORMAT.current() + 1, e.found());
        assertEquals(Registry.FORMAT.current(), e.highestSupported());
        assertTrue(e.getMessage().startsWith(file + ": shipper registry format version 2 is newer than this release "
                + "reads (up to version 1)"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file), "the newer registry is neither rewritten nor moved");
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "not taken for a corrupt file");
        }
        assertTrue(Files.exists(app));
    }

    /**
     * Copies the fixture to {@code work}. A registry names files by device and inode, which a copy cannot keep, so
     * the copy's entry gets the copied log's; everything else (offset, fingerprint, format) is read as written.
     */
    private Path copyFixture() throws IOException {
        FormatFixtures.copy(FIXTURE, work);
        Path app = work.resolve("logs/app.log");
        Path file = work.resolve("data/registry/shipper.json");
        JsonNode registry = JSON.readTree(file.toFile());
        assertEquals(1, registry.path("files").size(), "the fixture knows one file");
        ObjectNode entry = (ObjectNode) registry.path("files").get(0);
        entry.put("device", (Long) Files.getAttribute(app, "unix:dev"));
        entry.put("inode", (Long) Files.getAttribute(app, "unix:ino"));
        Files.writeString(file, JSON.writeValueAsString(registry), StandardCharsets.UTF_8);
        return app;
    }

    private static String input(Path app) {
        return "  - type: log\n    paths: ['" + app + "']\n    scan_frequency: 100ms\n";
    }

    private static void awaitRegistryAtEnd(Harness h, Path app) throws IOException {
        long size = Files.size(app);
        Wait.until("the registry at the end of " + app, WAIT,
                () -> h.agent().registry().all().stream().anyMatch(s -> s.offset() == size));
    }
}
