package io.logpipe.indexer.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.indexer.config.ConfigSource;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.SourcePosition;
import io.logpipe.indexer.plugins.PluginStats;
import io.logpipe.testkit.Wait;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
        PluginStats grok = pipeline.filterStats().get(0);
        assertEquals(5, grok.in());
        assertTrue(pipeline.outputStats().stream().mapToLong(PluginStats::out).sum() == 4);
        pipeline.stop();
    }

    @Test
    void anOutputThatCannotWriteIsRetriedUntilItCanAndItsStatsSaySo() throws Exception {
        Path blocker = dir.resolve("not-a-directory");
        Files.writeString(blocker, "a file where the output wants a directory");
        Pipeline pipeline = new Pipeline(ConfigSource.fromString("output { file { id => \"out\" path => \""
                + blocker.resolve("events.log") + "\" } }"), new PipelineSettings("main", 1, 10, 5, dir));
        AtomicInteger acks = new AtomicInteger();
        Event event = Event.withMessage("kept");
        event.setSource(new Position(0, acks));
        Thread worker = new Thread(() -> {
            try {
                pipeline.process(List.of(event));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        worker.start();
        PluginStats out = pipeline.outputStats().get(0);
        Wait.until("a retry of the file output", Duration.ofSeconds(10), () -> out.retries() >= 1);
        assertEquals(0, acks.get(), "nothing is acknowledged while the output fails");
        assertTrue(out.lastFailure().contains("file output"), out.lastFailure());
        Files.delete(blocker);
        worker.join(10_000);
        assertEquals(1, acks.get());
        List<String> written = Files.readAllLines(blocker.resolve("events.log"));
        assertEquals(1, written.size());
        assertTrue(written.get(0).contains("\"message\":\"kept\""), written.get(0));
        Map<?, ?> json = (Map<?, ?>) ((List<?>) ((Map<?, ?>) MonitoringApi.stats(pipeline).get("plugins"))
                .get("outputs")).get(0);
        assertEquals("out", json.get("id"));
        assertTrue((Long) json.get("retries") >= 1, json.toString());
        assertEquals(0L, json.get("failures"));
        assertEquals(1L, ((Map<?, ?>) json.get("events")).get("out"));
        pipeline.stop();
    }
}
