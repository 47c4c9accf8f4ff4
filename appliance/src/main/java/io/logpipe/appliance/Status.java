package io.logpipe.appliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code status}: each part's health from the supervisor's state and from the part itself (Elasticsearch's cluster
 * health, the indexer's monitoring API, the queue's port), and the flow: indexer events/s over one second, retries
 * as failures, dead-letter count and consumer lag; topics and bytes on disk of the bundled queue; indices with
 * document counts and sizes; disk free on the data dir. Exit status 0 when every part is running, 3 otherwise.
 */
final class Status {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Status() {
    }

    static int print(ApplianceConfig config, Appliance.Layout layout, boolean json, PrintStream out) throws Exception {
        Map<String, Object> status = collect(config, layout);
        if (json) {
            out.println(JSON.writeValueAsString(status));
        } else {
            out.print(text(status));
        }
        return Boolean.TRUE.equals(status.get("running")) && Boolean.TRUE.equals(status.get("healthy")) ? 0 : 3;
    }

    static Map<String, Object> collect(ApplianceConfig config, Appliance.Layout layout) throws Exception {
        Map<String, Object> status = new LinkedHashMap<>();
        Long pid = Detached.runningPid(layout);
        status.put("running", pid != null);
        status.put("pid", pid);
        Optional<JsonNode> state = pid == null ? Optional.empty() : Detached.state(layout);
        boolean healthy = pid != null;
        List<Map<String, Object>> parts = new ArrayList<>();
        for (JsonNode part : state.map(s -> s.path("parts")).orElse(JSON.createArrayNode())) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("name", part.path("name").asText());
            p.put("state", part.path("state").asText());
            p.put("pid", part.path("pid").asLong());
            p.put("restarts", part.path("restarts").asInt());
            if (!part.path("last_failure").isNull()) {
                p.put("last_failure", part.path("last_failure").asText());
            }
            p.put("log", part.path("log").asText());
            healthy &= "running".equals(p.get("state"));
            parts.add(p);
        }
        status.put("parts", parts);

        // As the pipeline and the console do: the first host that answers, the next when one is down.
        String es = config.elasticsearchUrls().get(0);
        Optional<JsonNode> health = Optional.empty();
        for (String host : config.elasticsearchUrls()) {
            health = get(host + "/_cluster/health");
            if (health.isPresent()) {
                es = host;
                break;
            }
        }
        Map<String, Object> elasticsearch = new LinkedHashMap<>();
        elasticsearch.put("url", health.isPresent() ? es : config.elasticsearchUrl());
        elasticsearch.put("health", health.map(h -> h.path("status").asText()).orElse("unreachable"));
        healthy &= health.isPresent() && !"red".equals(health.get().path("status").asText());
        List<Map<String, Object>> indices = new ArrayList<>();
        for (JsonNode index : get(es + "/_cat/indices?format=json&bytes=b&h=index,docs.count,store.size&s=index")
                .orElse(JSON.createArrayNode())) {
            if (index.path("index").asText().startsWith(".")) {
                continue;
            }
            Map<String, Object> i = new LinkedHashMap<>();
            i.put("index", index.path("index").asText());
            i.put("docs", index.path("docs.count").asLong());
            i.put("bytes", index.path("store.size").asLong());
            indices.add(i);
        }
        elasticsearch.put("indices", indices);
        status.put("elasticsearch", elasticsearch);

        if (config.bundledQueue()) {
            Map<String, Object> queue = new LinkedHashMap<>();
            queue.put("address", config.kafkaBootstrap());
            queue.put("listening", ChildPart.portOpen(config.queuePort()));
            Path logDirs = config.dataDir().resolve("data").resolve("queue");
            Map<String, Long> partitions = new LinkedHashMap<>();
            if (Files.isDirectory(logDirs)) {
                try (Stream<Path> dirs = Files.list(logDirs)) {
                    for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                        partitions.put(dir.getFileName().toString(), bytes(dir));
                    }
                }
            }
            queue.put("partitions_bytes_on_disk", partitions);
            status.put("queue", queue);
        }

        if (config.shipperEnabled()) {
            Map<String, Object> shipper = shipper("http://127.0.0.1:" + config.shipperApiPort() + "/stats");
            healthy &= !"unreachable".equals(shipper.get("state"));
            status.put("shipper", shipper);
        }

        IndexerApiClient client = IndexerApiClient.of(config);
        String api = client.base() + "/_node/stats/pipelines";
        Optional<JsonNode> first = client.get("/_node/stats/pipelines");
        Map<String, Object> indexer = new LinkedHashMap<>();
        indexer.put("api", api);
        if (first.isPresent()) {
            long t0 = System.nanoTime();
            Thread.sleep(1000);
            Optional<JsonNode> second = client.get("/_node/stats/pipelines");
            double seconds = (System.nanoTime() - t0) / 1e9;
            List<Map<String, Object>> pipelines = new ArrayList<>();
            first.get().path("pipelines").fields().forEachRemaining(entry -> {
                JsonNode now = second.map(s -> s.path("pipelines").path(entry.getKey())).orElse(entry.getValue());
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("id", entry.getKey());
                long out0 = entry.getValue().path("events").path("out").asLong();
                long out1 = now.path("events").path("out").asLong();
                p.put("events_out", out1);
                p.put("events_per_second", Math.round((out1 - out0) / seconds * 10) / 10.0);
                p.put("queued", now.path("events").path("queued").asLong());
                p.put("dead_letter_queue", now.path("dead_letter_queue").path("count").asLong());
                long lag = 0;
                for (JsonNode l : now.path("consumer_lag")) {
                    lag += l.asLong();
                }
                p.put("consumer_lag", lag);
                pipelines.add(p);
            });
            indexer.put("pipelines", pipelines);
        } else {
            indexer.put("pipelines", "unreachable");
            healthy = false;
        }
        status.put("indexer", indexer);

        Map<String, Object> disk = new LinkedHashMap<>();
        Path data = config.dataDir();
        Path existing = data;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null) {
            FileStore store = Files.getFileStore(existing);
            disk.put("path", data.toString());
            disk.put("free_bytes", store.getUsableSpace());
            disk.put("total_bytes", store.getTotalSpace());
        }
        status.put("disk", disk);
        status.put("healthy", healthy);
        return status;
    }

    /** The shipper's figures from its stats endpoint (filebeat's GET /stats). */
    static Map<String, Object> shipper(String stats) {
        Map<String, Object> shipper = new LinkedHashMap<>();
        shipper.put("api", stats);
        Optional<JsonNode> now = get(stats);
        if (now.isEmpty()) {
            shipper.put("state", "unreachable");
            return shipper;
        }
        JsonNode s = now.get();
        shipper.put("state", "reachable");
        shipper.put("events_per_second", s.at("/logpipe/events_per_second").asDouble());
        shipper.put("acked", s.at("/libbeat/output/events/acked").asLong());
        shipper.put("failed", s.at("/libbeat/output/events/failed").asLong());
        shipper.put("active", s.at("/libbeat/output/events/active").asLong());
        shipper.put("open_files", s.at("/filebeat/harvester/open_files").asLong());
        shipper.put("registry_files", s.at("/registrar/states/current").asLong());
        return shipper;
    }

    private static long bytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    static Optional<JsonNode> get(String url) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Optional.of(JSON.readTree(response.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @SuppressWarnings("unchecked")
    static String text(Map<String, Object> status) {
        StringBuilder text = new StringBuilder();
        if (!Boolean.TRUE.equals(status.get("running"))) {
            text.append("appliance: not running\n");
        } else {
            text.append("appliance: running (pid ").append(status.get("pid")).append(")")
                    .append(Boolean.TRUE.equals(status.get("healthy")) ? ", healthy\n" : ", NOT healthy\n");
        }
        for (Map<String, Object> part : (List<Map<String, Object>>) status.get("parts")) {
            text.append(String.format("  %-14s %-11s pid %-8s restarts %s%s%n", part.get("name"), part.get("state"),
                    part.get("pid"), part.get("restarts"),
                    part.containsKey("last_failure") ? "   last failure: " + part.get("last_failure") : ""));
        }
        Map<String, Object> es = (Map<String, Object>) status.get("elasticsearch");
        text.append("elasticsearch ").append(es.get("url")).append(": ").append(es.get("health")).append('\n');
        for (Map<String, Object> index : (List<Map<String, Object>>) es.get("indices")) {
            text.append(String.format("  %-40s %10s docs %12s bytes%n", index.get("index"), index.get("docs"),
                    index.get("bytes")));
        }
        if (status.get("queue") instanceof Map<?, ?> queue) {
            text.append("queue ").append(queue.get("address")).append(": ")
                    .append(Boolean.TRUE.equals(queue.get("listening")) ? "listening" : "NOT listening").append('\n');
            ((Map<String, Long>) queue.get("partitions_bytes_on_disk")).forEach((partition, bytes) ->
                    text.append(String.format("  %-40s %12s bytes on disk%n", partition, bytes)));
        }
        if (status.get("shipper") instanceof Map<?, ?> shipper) {
            if ("unreachable".equals(shipper.get("state"))) {
                text.append("shipper ").append(shipper.get("api")).append(": unreachable\n");
            } else {
                text.append(String.format("shipper: %s lines/s, %s acked, %s in flight, %s retried, %s file(s) open%n",
                        shipper.get("events_per_second"), shipper.get("acked"), shipper.get("active"),
                        shipper.get("failed"), shipper.get("open_files")));
            }
        }
        Map<String, Object> indexer = (Map<String, Object>) status.get("indexer");
        if (indexer.get("pipelines") instanceof List<?> pipelines) {
            for (Object o : pipelines) {
                Map<String, Object> p = (Map<String, Object>) o;
                text.append(String.format("indexer pipeline %s: %s events/s, %s out, %s queued, lag %s, DLQ %s%n",
                        p.get("id"), p.get("events_per_second"), p.get("events_out"), p.get("queued"),
                        p.get("consumer_lag"), p.get("dead_letter_queue")));
            }
        } else {
            text.append("indexer ").append(indexer.get("api")).append(": unreachable\n");
        }
        Map<String, Object> disk = (Map<String, Object>) status.get("disk");
        if (disk.containsKey("free_bytes")) {
            text.append(String.format("disk %s: %.1f GB free of %.1f GB%n", disk.get("path"),
                    ((Long) disk.get("free_bytes")) / 1e9, ((Long) disk.get("total_bytes")) / 1e9));
        }
        return text.toString();
    }
}
