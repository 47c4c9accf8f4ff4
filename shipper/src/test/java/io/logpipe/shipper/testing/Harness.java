package io.logpipe.shipper.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logpipe.shipper.Agent;
import io.logpipe.shipper.config.ConfigFile;
import io.logpipe.shipper.config.ShipperConfig;
import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Runs a real shipper in this JVM with a given filebeat.yml, and reads what it wrote through output.file. */
public final class Harness implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path outFile;
    private final Agent agent;

    private Harness(Agent agent, Path outFile) {
        this.agent = agent;
        this.outFile = outFile;
    }

    /** {@code inputs} is the YAML of the filebeat.inputs list; output.file goes to {@code work/out/events}. */
    public static Harness start(Path work, String inputs) throws IOException {
        return start(work, inputs, "output.file:\n  path: " + work.resolve("out") + "\n  filename: events\n");
    }

    /** With another output ({@code output} is its YAML, plus any other global settings). */
    public static Harness start(Path work, String inputs, String output) throws IOException {
        String yaml = "filebeat.inputs:\n" + inputs + "\npath.data: " + work.resolve("data") + "\n"
                + "filebeat.registry.flush: 100ms\n" + output;
        ShipperConfig config = ShipperConfig.from(Path.of("test.yml"), ConfigFile.parse("test.yml", yaml),
                w -> { throw new AssertionError("unexpected warning: " + w); });
        Agent agent = new Agent(config, List.of());
        agent.start();
        return new Harness(agent, work.resolve("out/events"));
    }

    public Agent agent() {
        return agent;
    }

    /** Every event written so far. */
    public List<JsonNode> events() {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(outFile)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(outFile, StandardCharsets.UTF_8)) {
                if (!line.isEmpty()) {
                    out.add(JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public List<String> messages() {
        List<String> out = new ArrayList<>();
        for (JsonNode e : events()) {
            out.add(e.path("message").asText());
        }
        return out;
    }

    public void awaitMessages(int count, Duration timeout) {
        try {
            Wait.until(count + " events", timeout, () -> messagesCountSafe() >= count);
        } catch (AssertionError e) {
            // the count when giving up (not when starting to wait) tells a stall from a slow or partial delivery
            throw new AssertionError(e.getMessage() + " (have " + messagesCountSafe() + ")", e);
        }
    }

    private int messagesCountSafe() {
        try {
            return events().size();
        } catch (UncheckedIOException e) {
            return 0; // a line being written
        }
    }

    @Override
    public void close() {
        agent.close();
    }
}
