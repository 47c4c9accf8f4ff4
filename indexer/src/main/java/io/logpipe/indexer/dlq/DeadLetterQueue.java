package io.logpipe.indexer.dlq;

import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.EventJson;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Events the outputs of one pipeline can never deliver (a mapping conflict, say), kept as Logstash keeps them, one
 * queue per pipeline under {@code path.dead_letter_queue/<pipeline id>/} (default
 * {@code path.data/dead_letter_queue}), as JSON lines: the event, where it was going and why it failed. Every output
 * of the pipeline writes through the pipeline's one instance, so entries never interleave within a line. Appended
 * and forced to disk before the event counts as handled, so its Kafka offset may be committed.
 */
public final class DeadLetterQueue implements AutoCloseable {
    /** The directory under {@code path.data} that holds every pipeline's queue when path.dead_letter_queue is unset. */
    public static final String DIRECTORY = "dead_letter_queue";
    public static final String FILE_NAME = "dlq.jsonl";

    private final Path file;
    private final AtomicLong count = new AtomicLong();
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

    /** Appends one entry per event, then forces the file to disk. */
    public synchronized void write(String pluginType, String pluginId, List<Entry> entries) {
        try {
            if (out == null) {
                Files.createDirectories(file.getParent());
                out = new FileOutputStream(file.toFile(), true);
            }
            for (Entry entry : entries) {
                Map<String, Object> line = new LinkedHashMap<>();
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
