package io.logpipe.indexer.dlq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.logpipe.common.io.FormatVersion;
import io.logpipe.indexer.config.ConfigSource;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.pipeline.CompiledPipeline;
import io.logpipe.indexer.pipeline.Pipeline;
import io.logpipe.indexer.pipeline.PipelineCompiler;
import io.logpipe.indexer.pipeline.PipelineSettings;
import io.logpipe.testkit.FormatFixtures;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upgrades keep the dead-letter queue: {@code src/test/resources/formats/v1/dead_letter_queue/main/dlq.jsonl} was
 * written in DLQ format version 1 (by {@link #writeFixture()}, kept unchanged), and a pipeline of this release reads
 * it, keeps it and appends to it. When the format changes, add a {@code v2} fixture beside it and keep this one
 * passing.
 */
class DeadLetterQueueFormatTest {
    private static final String FIXTURE = "/formats/v1/dead_letter_queue";
    private static final String OUTPUT = "output { file { path => \"%s\" } }";

    @TempDir
    Path dir;

    private static Event rejected(String message) {
        Event event = Event.withMessage(message);
        event.set("status", "not a number");
        return event;
    }

    private static DeadLetterQueue.Entry entry(String message) {
        return new DeadLetterQueue.Entry(rejected(message), "logs-2026.12.02", "id-" + message, 400,
                "mapper_parsing_exception: failed to parse field [status] of type [long]");
    }

    /**
     * The fixture generator: two entries written by the queue itself, as an elasticsearch output writes them. Run it
     * only to add a fixture for a new format:
     * {@code mvn -pl indexer -am -Dtest=DeadLetterQueueFormatTest -Dformats.write=true verify}.
     */
    @Test
    @EnabledIfSystemProperty(named = FormatFixtures.WRITE, matches = "true")
    void writeFixture() throws Exception {
        Path queues = dir.resolve("dlq");
        try (DeadLetterQueue queue = DeadLetterQueue.in(queues, "main")) {
            queue.write("output", "elasticsearch_1", List.of(entry("first rejected"), entry("second rejected")));
        }
        FormatFixtures.keep(queues, FIXTURE);
    }

    @Test
    void aPipelineReadsAVersion1QueueAndAppendsToIt() throws Exception {
        Path data = dir.resolve("data");
        Path file = copyFixture(data);
        CompiledPipeline compiled = PipelineCompiler.compile(ConfigSource.fromString(OUTPUT.formatted(
                dir.resolve("out.log"))), new PipelineSettings("main", 1, 10, 5, data));
        Pipeline pipeline = new Pipeline(compiled);
        try {
            assertEquals(2, compiled.deadLetterQueue().open(), "the entries of the earlier release are found");
            compiled.deadLetterQueue().write("output", "elasticsearch_1", List.of(entry("third rejected")));
        } finally {
            pipeline.stop();
        }
        List<JsonNode> entries = DeadLetterQueue.read(file);
        assertEquals(List.of("first rejected", "second rejected", "third rejected"),
                entries.stream().map(e -> e.path("event").path("message").asText()).toList());
        for (JsonNode e : entries) {
            assertEquals(1, e.path("format_version").asInt(), e.toString());
            assertEquals(400, e.path("status").asInt());
            assertEquals("not a number", e.path("event").path("status").asText());
        }
    }

    @Test
    void entriesWithoutAVersionAreVersion1() throws Exception {
        Path file = copyFixture(dir.resolve("data"));
        Files.writeString(file, Files.readString(file).replace("\"format_version\":1,", ""));
        assertEquals(2, DeadLetterQueue.read(file).size());
    }

    @Test
    void aNewerEntryStopsThePipelineAndNothingIsAppended() throws Exception {
        Path data = dir.resolve("data");
        Path file = copyFixture(data);
        Files.writeString(file, "{\"format_version\":2,\"event\":{\"message\":\"from a newer release\"}}\n",
                StandardOpenOption.APPEND);
        byte[] before = Files.readAllBytes(file);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new Pipeline(
                ConfigSource.fromString(OUTPUT.formatted(dir.resolve("out.log"))),
                new PipelineSettings("main", 1, 10, 5, data)));
        FormatVersion.NewerFormatException newer = assertInstanceOf(FormatVersion.NewerFormatException.class,
                e.getCause());
        assertEquals(file, newer.file());
        assertEquals(newer.getMessage(), e.getMessage(), "the indexer prints this message as it is");
        assertTrue(e.getMessage().startsWith(file + ": indexer dead-letter queue format version 2 is newer than this "
                + "release reads (up to version 1)"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    private static Path copyFixture(Path data) throws Exception {
        FormatFixtures.copy(FIXTURE, data.resolve(DeadLetterQueue.DIRECTORY));
        Path file = DeadLetterQueue.file(data.resolve(DeadLetterQueue.DIRECTORY), "main");
        assertTrue(Files.readString(file, StandardCharsets.UTF_8).endsWith("\n"));
        return file;
    }
}
