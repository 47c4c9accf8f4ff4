package io.logpipe.indexer.dlq;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logpipe.common.io.FormatVersion;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.EventJson;
import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events the outputs of one pipeline can never deliver (a mapping conflict, say), kept as Logstash keeps them, one
 * queue per pipeline under {@code path.dead_letter_queue/<pipeline id>/} (default
 * {@code path.data/dead_letter_queue}), as JSON lines: the event, where it was going and why it failed. Every output
 * of the pipeline writes through the pipeline's one instance, so entries never interleave within a line. Appended
 * and forced to disk before the event counts as handled, so its Kafka offset may be committed.
 *
 * <p>Entry, one JSON object a line: {@code format_version, @timestamp, plugin_type, plugin_id, index, id, status,
 * reason, event}. {@code format_version} is the entry's {@link FormatVersion}, on every line since lines are read
 * one by one and a file may hold lines of several releases; a line without it is version 1. Before the first write
 * the queue reads the entries kept from earlier runs ({@link #open()}): a line of a newer version stops the pipeline
 * with a message saying so, and nothing is appended to that file.
 */
public final class DeadLetterQueue implements AutoCloseable {
    /** The directory under {@code path.data} that holds every pipeline's queue when path.dead_letter_queue is unset. */
    public static final String DIRECTORY = "dead_letter_queue";
    public static final String FILE_NAME = "dlq.jsonl";
    public static final FormatVersion FORMAT = new FormatVersion("indexer dead-letter queue", 1);
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterQueue.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final AtomicLong count = new AtomicLong();
    private long stored = -1;
    private FileOutputStream out;

    /** The queue of pipeline {@code pipelineId} under {@code path.data}: {@code dataDir/dead_letter_queue/<id>/}. */
    public DeadLetterQueue(Path dataDir, String pipelineId) {
        this(file(dataDir.resolve(DIRECTORY), pipelineId));
    }

    private DeadLetterQueue(Path file) {
        this.file = file;
    }

    /** The queue of pipeline {@code pipelineId} under {@code path.dead_letter_queue}. */
    public static DeadLetterQueue in(Path queuesDir, String pipelineId) {
        return new DeadLetterQueue(file(queuesDir, pipelineId));
    }

    /** Where pipeline {@code pipelineId} keeps its entries, for what reads them. */
    public static Path file(Path queuesDir, String pipelineId) {
        return queuesDir.resolve(pipelineId).resolve(FILE_NAME);
    }

    public Path file() {
        return file;
    }

    /** Events written to the queue since start. */
    public long count() {
        return count.get();
    }

    /**
     * Reads the entries earlier runs left, checking their format version; returns how many there are. Runs once,
     * at the latest before the first write.
     */
    public synchronized long open() {
        if (stored < 0) {
            long[] found = {0};
            try {
                if (Files.exists(file)) {
                    scan(file, entry -> found[0]++);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
            stored = found[0];
            if (stored > 0) {
                LOG.info("dead-letter queue {}: {} entries kept from earlier runs", file, stored);
            }
        }
        return stored;
    }

    /** The entries in {@code file}, oldest first; a line of a newer format version than this release reads throws. */
    public static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> entries = new ArrayList<>();
        scan(file, entries::add);
        return entries;
    }

    /** Streams the entries of {@code file} (it may be large) to {@code sink}, checking each one's format version. */
    private static void scan(Path file, Consumer<JsonNode> sink) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode entry;
                try {
                    entry = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    // A crash between the append and its fsync can leave the last line cut short; the event was not
                    // counted as handled, so it is read again from Kafka. Any other bad line stays in the file.
                    LOG.warn("{}:{}: not a dead-letter entry, skipped ({})", file, number, e.getOriginalMessage());
                    continue;
                }
                JsonNode version = entry.path("format_version");
                if (!version.isMissingNode()) {
                    FORMAT.check(file, version.asText());
                }
                sink.accept(entry);
            }
        }
    }

    /** Appends one entry per event, then forces the file to disk. */
    public synchronized void write(String pluginType, String pluginId, List<Entry> entries) {
        open();
        try {
            if (out == null) {
                Files.createDirectories(file.getParent());
                out = new FileOutputStream(file.toFile(), true);
            }
            for (Entry entry : entries) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("format_version", FORMAT.current());
                line.put("@timestamp", Instant.now());
                line.put("plugin_type", pluginType);
                line.put("plugin_id", pluginId);
                line.put("index", entry.index());
                line.put("id", entry.id());
                line.put("status", entry.status());
                line.put("reason", entry.reason());
                line.put("event", entry.event().fields());
                out.write((EventJson.toJson(line) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
            out.getFD().sync();
            count.addAndGet(entries.size());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dead-letter queue " + file, e);
        }
    }

    /** One undeliverable event. */
    public record Entry(Event event, String index, String id, int status, String reason) {
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // every entry was synced when written
            }
            out = null;
        }
    }
}
