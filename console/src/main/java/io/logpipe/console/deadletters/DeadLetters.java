package io.logpipe.console.deadletters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logpipe.console.es.ElasticsearchRest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The indexer's dead-letter queues ({@code <dir>/<pipeline>/dlq.jsonl}, one JSON entry a line: the event, the index,
 * the id and Elasticsearch's reason). An entry's id is {@code <pipeline>:<line>}. The indexer appends to the file
 * while we read it, so it is never rewritten: entries retried or purged are listed in {@code dlq.jsonl.handled}
 * beside it and no longer shown. Methods block: call them from a worker thread.
 */
public final class DeadLetters {
    static final String FILE = "dlq.jsonl";
    static final String HANDLED = "dlq.jsonl.handled";

    private final Path directory;
    private final ElasticsearchRest es;

    public DeadLetters(Path directory, ElasticsearchRest es) {
        this.directory = directory;
        this.es = es;
    }

    public synchronized ObjectNode list() throws IOException {
        ObjectNode out = ElasticsearchRest.JSON.createObjectNode();
        out.put("directory", directory.toString());
        ArrayNode entries = out.putArray("entries");
        for (Path pipeline : pipelines()) {
            Set<String> handled = handled(pipeline);
            List<String> lines = Files.readAllLines(pipeline.resolve(FILE), StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String id = pipeline.getFileName() + ":" + (i + 1);
                if (lines.get(i).isBlank() || handled.contains(id)) {
                    continue;
                }
                ObjectNode entry = entries.addObject();
                entry.put("id", id);
                try {
                    JsonNode json = ElasticsearchRest.JSON.readTree(lines.get(i));
                    entry.put("at", json.path("@timestamp").asText()).put("index", json.path("index").asText())
                            .put("doc_id", json.path("id").asText(null)).put("status", json.path("status").asInt())
                            .put("reason", json.path("reason").asText());
                    entry.set("event", json.path("event"));
                } catch (IOException e) {
                    entry.put("reason", "unreadable entry (" + e.getMessage() + ")");
                }
            }
        }
        out.put("count", entries.size());
        return out;
    }

    /** Writes each entry's event to its index again (with its id, so twice is once); marks those that succeed. */
    public synchronized ObjectNode retry(List<String> ids) throws Exception {
        ObjectNode out = ElasticsearchRest.JSON.createObjectNode();
        ArrayNode results = out.putArray("results");
        JsonNode all = list().path("entries");
        for (String id : ids) {
            JsonNode entry = find(all, id);
            ObjectNode result = results.addObject().put("id", id);
            if (entry == null) {
                result.put("error", "no such dead letter");
                continue;
            }
            String index = entry.path("index").asText();
            String docId = entry.path("doc_id").asText(null);
            try {
                String path = "/" + index + "/_doc" + (docId == null ? "" : "/" + docId);
                es.send(docId == null ? "POST" : "PUT", path, entry.path("event"), "application/json")
                        .get(30, TimeUnit.SECONDS);
                markHandled(List.of(id));
                result.put("retried", true);
            } catch (java.util.concurrent.ExecutionException e) {
                result.put("error", e.getCause().getMessage());
            }
        }
        return out;
    }

    public synchronized ObjectNode purge(List<String> ids) throws IOException {
        markHandled(ids);
        return ElasticsearchRest.JSON.createObjectNode().put("purged", ids.size());
    }

    private static JsonNode find(JsonNode entries, String id) {
        for (JsonNode e : entries) {
            if (e.path("id").asText().equals(id)) {
                return e;
            }
        }
        return null;
    }

    private void markHandled(List<String> ids) throws IOException {
        for (String id : ids) {
            int colon = id.lastIndexOf(':');
            if (colon <= 0 || id.substring(0, colon).contains("/") || id.substring(0, colon).contains("..")) {
                throw new IllegalArgumentException("not a dead letter id: " + id);
            }
            Path file = directory.resolve(id.substring(0, colon)).resolve(HANDLED);
            Files.writeString(file, id + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }

    private Set<String> handled(Path pipeline) throws IOException {
        Path file = pipeline.resolve(HANDLED);
        return Files.exists(file) ? new HashSet<>(Files.readAllLines(file, StandardCharsets.UTF_8)) : Set.of();
    }

    private List<Path> pipelines() {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(directory)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve(FILE))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
