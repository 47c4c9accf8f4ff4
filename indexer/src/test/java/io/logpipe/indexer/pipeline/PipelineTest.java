package io.logpipe.indexer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.indexer.config.ConfigSource;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.SourcePosition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Filters and outputs under conditionals, and when events count as acknowledged. */
class PipelineTest {
    @TempDir
    Path dir;

    private record Position(long offset, AtomicInteger acks) implements SourcePosition {
        @Override
        public String topic() {
            return "t";
        }

        @Override
        public int partition() {
            return 0;
        }

        @Override
        public void acknowledge() {
            acks.incrementAndGet();
        }
    }

    @Test
    void conditionalsChooseFiltersAndOutputsAndEveryEventIsAcknowledgedAfterTheOutputs() throws Exception {
        Path errors = dir.resolve("errors.log");
        Path rest = dir.resolve("rest.log");
        Pipeline pipeline = new Pipeline(ConfigSource.fromString("""
                filter {
                  grok { match => { "message" => "%%{WORD:level} %%{GREEDYDATA:text}" } }
                  if [level] == "DEBUG" { drop { } }
                  else if [level] in ["ERROR", "FATAL"] { mutate { add_tag => ["alert"] } }
                  else { mutate { lowercase => ["text"] } }
                }
                output {
                  if "alert" in [tags] { file { path => "%s" codec => line { format => "%%{level}: %%{text}" } } }
                  else { file { path => "%s" codec => line { format => "%%{text}" } } }
                }
                """.formatted(errors, rest)), new PipelineSettings("main", 1, 10, 5, dir));
        AtomicInteger acks = new AtomicInteger();
        List<Event> batch = new ArrayList<>();
        String[] lines = {"ERROR Disk Full", "DEBUG noise", "INFO Started OK", "FATAL Gone", "garbage"};
        for (int i = 0; i < lines.length; i++) {
            Event event = Event.withMessage(lines[i]);
            event.setSource(new Position(i, acks));
            batch.add(event);
        }
        pipeline.process(batch);
        assertEquals(List.of("ERROR: Disk Full", "FATAL: Gone"), Files.readAllLines(errors));
        // "garbage" has no level: grok tags it, the else branch keeps it, its missing field prints as written.
        assertEquals(List.of("started ok", "%{text}"), Files.readAllLines(rest));
        assertEquals(5, acks.get(), "the dropped event is acknowledged too, or its offset could never be committed");
        assertEquals(4, pipeline.eventsFiltered());
        assertEquals(4, pipeline.eventsOut());
        PluginMetrics grok = pipeline.filterMetrics().get(0);
        assertEquals(5, grok.in());
        assertTrue(pipeline.outputMetrics().stream().mapToLong(PluginMetrics::out).sum() == 4);
        pipeline.stop();
    }
}
