package io.logpipe.console.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logpipe.console.es.ElasticsearchRest;
import io.logpipe.console.queue.QueueService;
import java.net.URI;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The flow files → shipper → topic → group → indexer → indices, sampled every few seconds: rates from the change
 * of the topic's end offsets (lines in) and the indexer's events out, lag per partition, the dead-letter count, and
 * for each stage whether it is stalled and why. The arrows between stages carry the retries and failures the
 * components count: this host's shipper's failed sends into the topic, the elasticsearch outputs' retried and
 * dead-lettered documents with their last failure. The last hour of samples feeds the page's charts.
 */
public final class PipelineMonitor {
    static final int HISTORY = 360;

    private final Supplier<PipelineLayout> layout;
    private final QueueService queue;
    private final ElasticsearchRest es;
    private final IndexerApi indexerApi;
    /** The shipper's stats endpoint (Filebeat's GET /stats), or null when none is configured. */
    private final URI shipperApi;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final Deque<Sample> history = new ArrayDeque<>();
    private Instant elasticsearchDownSince;
    private Instant indexerDownSince;
    private Instant kafkaDownSince;

    /** The data dirs whose disk use and free space the page shows (queue, indexer), by name. */
    private final Map<String, Path> dataDirs;

    /**
     * One point of the charts; {@code shipperRate} is this host's shipper's own events/s, NaN when it has no
     * stats endpoint or did not answer.
     */
    record Sample(Instant at, long topicEnd, long eventsOut, long lag, double inRate, double outRate,
                  double shipperRate) {
    }

    public PipelineMonitor(Supplier<PipelineLayout> layout, QueueService queue, ElasticsearchRest es, URI indexerApi,
                           URI shipperApi, Clock clock) {
        this(layout, queue, es, indexerApi, shipperApi, Map.of(), clock);
    }

    public PipelineMonitor(Supplier<PipelineLayout> layout, QueueService queue, ElasticsearchRest es, URI indexerApi,
                           URI shipperApi, Map<String, Path> dataDirs, Clock clock) {
        this(layout, queue, es, IndexerApi.plain(indexerApi), shipperApi, dataDirs, clock);
    }

    /** With the indexer's API reached over https and with credentials, as {@link IndexerApi} says. */
    public PipelineMonitor(Supplier<PipelineLayout> layout, QueueService queue, ElasticsearchRest es,
                           IndexerApi indexerApi, URI shipperApi, Map<String, Path> dataDirs, Clock clock) {
        this.dataDirs = dataDirs;
        this.layout = layout;
        this.queue = queue;
        this.es = es;
        this.indexerApi = indexerApi;
        this.shipperApi = shipperApi;
        this.clock = clock;
    }

    /** Takes a sample and returns the whole picture. Blocks: call from a worker thread. */
    public synchronized ObjectNode snapshot() {
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        PipelineLayout flow = layout.get();
        ObjectNode out = ElasticsearchRest.JSON.createObjectNode();
        out.put("at", now.toString());
        if (flow.problem() != null) {
            out.put("config_problem", flow.problem());
        }
        ArrayNode stages = out.putArray("stages");

        // topic: the sum of its partitions' end offsets is every line the shippers have written
        long topicEnd = 0;
        ArrayNode partitions = ElasticsearchRest.JSON.createArrayNode();
        String kafkaError = null;
        try {
            for (JsonNode topic : queue.topics()) {
                if (flow.topics().contains(topic.path("name").asText())) {
                    for (JsonNode p : topic.path("partitions")) {
                        topicEnd += p.path("latest").asLong();
                        partitions.add(((ObjectNode) p.deepCopy()).put("topic", topic.path("name").asText()));
                    }
                }
            }
            kafkaDownSince = null;
        } catch (RuntimeException e) {
            kafkaDownSince = kafkaDownSince == null ? now : kafkaDownSince;
            kafkaError = "Kafka unreachable since " + hhmm(kafkaDownSince) + " (" + e.getMessage() + ")";
        }
        ObjectNode group = null;
        if (flow.group() != null && kafkaError == null) {
            try {
                group = queue.group(flow.group());
            } catch (RuntimeException e) {
                group = ElasticsearchRest.JSON.createObjectNode().put("group", flow.group()).put("error", e.getMessage());
            }
        }
        long lag = group == null ? 0 : group.path("lag").asLong();

        JsonNode indexer = null;
        String indexerError = null;
        try {
            indexer = indexerApi.get("/_node/stats/pipelines").path("pipelines");
            indexerDownSince = null;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            indexerDownSince = indexerDownSince == null ? now : indexerDownSince;
            // It answers but refuses (401) or its certificate is not trusted: say what to change, not just "down".
            if (e instanceof IndexerApi.Refused) {
                indexerError = "indexer monitoring API " + indexerApi.base() + " " + e.getMessage();
            } else if (e instanceof javax.net.ssl.SSLException) {
                indexerError = "indexer monitoring API " + indexerApi.base() + ": TLS handshake failed since "
                        + hhmm(indexerDownSince) + " (" + e.getMessage() + "); check indexer.ssl.certificateAuthorities";
            } else {
                indexerError = "indexer monitoring API " + indexerApi.base() + " unreachable since "
                        + hhmm(indexerDownSince);
            }
        }
        long eventsIn = 0;
        long eventsOut = 0;
        long deadLetters = 0;
        ObjectNode toIndices = arrow("indexer", "indices");
        if (indexer != null) {
            long retries = 0;
            long failures = 0;
            ArrayNode outputs = ElasticsearchRest.JSON.createArrayNode();
            for (java.util.Iterator<Map.Entry<String, JsonNode>> all = indexer.fields(); all.hasNext(); ) {
                Map.Entry<String, JsonNode> p = all.next();
                JsonNode pipeline = p.getValue();
                eventsIn += pipeline.path("events").path("in").asLong();
                eventsOut += pipeline.path("events").path("out").asLong();
                deadLetters += pipeline.path("dead_letter_queue").path("count").asLong();
                for (JsonNode output : pipeline.path("plugins").path("outputs")) {
                    if (output.path("name").asText().equals("elasticsearch")) {
                        retries += output.path("retries").asLong();
                        failures += output.path("failures").asLong();
                        ObjectNode one = outputs.addObject().put("pipeline", p.getKey())
                                .put("id", output.path("id").asText())
                                .put("retries", output.path("retries").asLong())
                                .put("failures", output.path("failures").asLong());
                        if (output.path("last_failure").isTextual()) {
                            one.put("last_failure", output.path("last_failure").asText());
                        }
                    }
                }
            }
            toIndices.put("retries", retries).put("failures", failures).set("outputs", outputs);
            warnIf(toIndices, retries + failures > 0);
        }

        String esError = null;
        ObjectNode indices = ElasticsearchRest.JSON.createObjectNode();
        try {
            JsonNode health = es.get("/_cluster/health").get(10, java.util.concurrent.TimeUnit.SECONDS);
            indices.put("cluster_status", health.path("status").asText());
            long docs = 0;
            for (String pattern : flow.indexPatterns()) {
                docs += es.get("/" + pattern + "/_count?ignore_unavailable=true&allow_no_indices=true")
                        .get(10, java.util.concurrent.TimeUnit.SECONDS).path("count").asLong();
            }
            indices.put("documents", docs);
            elasticsearchDownSince = null;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            elasticsearchDownSince = elasticsearchDownSince == null ? now : elasticsearchDownSince;
            esError = "Elasticsearch unreachable since " + hhmm(elasticsearchDownSince);
        }

        Sample previous = history.peekLast();
        double seconds = previous == null ? 0 : Duration.between(previous.at(), now).toMillis() / 1000.0;
        double inRate = seconds > 0 ? Math.max(0, topicEnd - previous.topicEnd()) / seconds : 0;
        double outRate = seconds > 0 ? Math.max(0, eventsOut - previous.eventsOut()) / seconds : 0;
        ObjectNode own = shipperApi == null ? null : shipperStats();
        double shipperRate = own != null && own.path("reachable").asBoolean() ? own.path("lines_per_s").asDouble()
                : Double.NaN;
        history.addLast(new Sample(now, topicEnd, eventsOut, lag, inRate, outRate, shipperRate));
        while (history.size() > HISTORY) {
            history.removeFirst();
        }

        ObjectNode shipperStage = stage("shipper", "files → shipper", kafkaError, null)
                .put("lines_per_s", inRate).put("lines", topicEnd);
        if (own != null) {
            shipperStage.set("own", own);
        }
        stages.add(shipperStage);
        stages.add(stage("topic", "topic " + String.join(", ", flow.topics()), kafkaError, null)
                .put("messages", topicEnd).set("partitions", partitions));
        String groupProblem = null;
        if (group != null && group.has("error")) {
            groupProblem = group.path("error").asText();
        } else if (group != null && group.path("members").isEmpty() && lag > 0) {
            groupProblem = "no consumer in group " + flow.group() + " while " + lag + " messages wait";
        } else if (lagGrowing()) {
            groupProblem = "consumer lag growing (" + lag + ")";
        }
        ObjectNode groupStage = stage("group", "group " + (flow.group() == null ? "?" : flow.group()),
                kafkaError != null ? kafkaError : groupProblem, null).put("lag", lag);
        if (group != null) {
            groupStage.put("state", group.path("state").asText()).set("lag_per_partition", group.path("partitions"));
        }
        stages.add(groupStage);
        stages.add(stage("indexer", "indexer", indexerError, deadLetters > 0 ? deadLetters + " dead letters" : null)
                .put("events_in", eventsIn).put("events_out", eventsOut).put("events_per_s", outRate)
                .put("dead_letters", deadLetters));
        stages.add(stage("indices", "indices " + String.join(", ", flow.indexPatterns()), esError, null)
                .setAll(indices));

        ArrayNode arrows = out.putArray("arrows");
        ObjectNode toTopic = arrow("shipper", "topic");
        if (own != null && own.path("reachable").asBoolean()) {
            toTopic.put("failed_sends", own.path("failed").asLong()).put("write_errors", own.path("write_errors").asLong())
                    .put("dropped", own.path("dropped").asLong());
            warnIf(toTopic, own.path("failed").asLong() + own.path("write_errors").asLong()
                    + own.path("dropped").asLong() > 0);
        }
        arrows.add(toTopic);
        // The indexer's kafka input counts no commit failures (it logs them and commits again): nothing to show.
        arrows.add(arrow("topic", "group"));
        arrows.add(arrow("group", "indexer"));
        arrows.add(toIndices);

        ArrayNode series = out.putArray("history");
        for (Sample s : history) {
            ObjectNode point = series.addObject().put("t", s.at().toEpochMilli()).put("in", s.inRate())
                    .put("out", s.outRate()).put("lag", s.lag());
            if (Double.isNaN(s.shipperRate())) {
                point.putNull("shipper");
            } else {
                point.put("shipper", s.shipperRate());
            }
        }
        ArrayNode disks = out.putArray("disks");
        dataDirs.forEach((name, dir) -> disks.add(DiskUse.of(name, dir)));
        return out;
    }

    /**
     * This host's shipper as it counts itself: events acknowledged per second, acknowledged, in flight, open files.
     * One that does not answer is "not reachable", no stalled stage: the shipper may run on another host, or not yet.
     */
    private ObjectNode shipperStats() {
        ObjectNode own = ElasticsearchRest.JSON.createObjectNode().put("api", shipperApi.toString());
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(shipperApi.resolve("/stats"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return own.put("reachable", false).put("reason", "HTTP " + r.statusCode());
            }
            JsonNode stats = ElasticsearchRest.JSON.readTree(r.body());
            return own.put("reachable", true)
                    .put("lines_per_s", stats.at("/logpipe/events_per_second").asDouble())
                    .put("acked", stats.at("/libbeat/output/events/acked").asLong())
                    .put("active", stats.at("/libbeat/output/events/active").asLong())
                    .put("failed", stats.at("/libbeat/output/events/failed").asLong())
                    .put("write_errors", stats.at("/libbeat/output/write/errors").asLong())
                    .put("dropped", stats.at("/libbeat/output/events/dropped").asLong())
                    .put("open_files", stats.at("/filebeat/harvester/open_files").asLong());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return own.put("reachable", false).put("reason", "not reachable");
        }
    }

    /** Lag rose across the last three samples while nothing was written. */
    private boolean lagGrowing() {
        if (history.size() < 3) {
            return false;
        }
        Sample[] last = history.stream().skip(history.size() - 3).toArray(Sample[]::new);
        return last[0].lag() < last[1].lag() && last[1].lag() < last[2].lag() && last[2].outRate() == 0;
    }

    private static ObjectNode stage(String id, String title, String error, String warning) {
        ObjectNode stage = ElasticsearchRest.JSON.createObjectNode();
        stage.put("id", id).put("title", title);
        stage.put("status", error != null ? "stalled" : warning != null ? "warning" : "ok");
        if (error != null || warning != null) {
            stage.put("reason", error != null ? error : warning);
        }
        return stage;
    }

    /**
     * The hop between two stages; its figures, when the component on either side counts any, are totals since that
     * component started.
     */
    private static ObjectNode arrow(String from, String to) {
        return ElasticsearchRest.JSON.createObjectNode().put("from", from).put("to", to).put("status", "ok");
    }

    private static void warnIf(ObjectNode arrow, boolean nonzero) {
        arrow.put("status", nonzero ? "warning" : "ok");
    }

    private static String hhmm(Instant at) {
        return at.toString().substring(11, 16) + " UTC";
    }
}
