package io.logpipe.indexer.pipeline;

import io.logpipe.indexer.event.EventJson;
import io.logpipe.indexer.plugins.PluginStats;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Logstash's monitoring API on {@code http.host:http.port}: {@code GET /_node/stats/pipelines[/<id>]} gives events
 * in, filtered and out per pipeline and per plugin, consumer lag per Kafka partition and the dead-letter queue count.
 * Each plugin's entry is its own {@link PluginStats#toJson()}: Logstash's fields plus retries, failures and the last
 * failure's reason.
 */
public final class MonitoringApi implements AutoCloseable {
    private final Vertx vertx;
    private final HttpServer server;
    private final List<Pipeline> pipelines;

    private MonitoringApi(Vertx vertx, HttpServer server, List<Pipeline> pipelines) {
        this.vertx = vertx;
        this.server = server;
        this.pipelines = pipelines;
    }

    public static MonitoringApi start(String host, int port, List<Pipeline> pipelines) throws Exception {
        return start(host, port, defaultNodeName(), pipelines);
    }

    /** Logstash's default node.name: the host name. */
    public static String defaultNodeName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    /** As Logstash, {@code nodeName} (logstash.yml's node.name) is the "name" of {@code GET /} and of the stats. */
    public static MonitoringApi start(String host, int port, String nodeName, List<Pipeline> pipelines) throws Exception {
        Vertx vertx = Vertx.vertx();
        List<Pipeline> watched = List.copyOf(pipelines);
        HttpServer server = vertx.createHttpServer().requestHandler(request -> handle(request, nodeName, watched));
        try {
            server.listen(port, host).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("cannot listen on " + host + ":" + port + " for the monitoring API ("
                    + e.getMessage() + "); set http.port to a free port", e);
        }
        return new MonitoringApi(vertx, server, watched);
    }

    public int port() {
        return server.actualPort();
    }

    private static void handle(HttpServerRequest request, String nodeName, List<Pipeline> pipelines) {
        String path = request.path().replaceAll("/+$", "");
        Object body;
        int status = 200;
        if (path.isEmpty()) {
            body = Map.of("name", nodeName, "status", "green", "pipelines", pipelines.stream().map(Pipeline::id).toList());
        } else if (path.equals("/_node/stats/pipelines") || path.equals("/_node/stats")) {
            Map<String, Object> all = new LinkedHashMap<>();
            pipelines.forEach(p -> all.put(p.id(), stats(p)));
            body = Map.of("name", nodeName, "pipelines", all);
        } else if (path.startsWith("/_node/stats/pipelines/")) {
            String id = path.substring("/_node/stats/pipelines/".length());
            Pipeline pipeline = pipelines.stream().filter(p -> p.id().equals(id)).findFirst().orElse(null);
            if (pipeline == null) {
                status = 404;
                body = Map.of("error", "no pipeline '" + id + "'");
            } else {
                body = Map.of("pipelines", Map.of(id, stats(pipeline)));
            }
        } else {
            status = 404;
            body = Map.of("error", "not found: " + request.path() + " (try /_node/stats/pipelines)");
        }
        request.response().setStatusCode(status).putHeader("content-type", "application/json")
                .end(EventJson.toJson(body));
    }

    static Map<String, Object> stats(Pipeline pipeline) {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("events", Map.of("in", pipeline.eventsIn(), "filtered", pipeline.eventsFiltered(),
                "out", pipeline.eventsOut(), "queued", pipeline.queued()));
        Map<String, Object> plugins = new LinkedHashMap<>();
        plugins.put("inputs", plugins(pipeline.inputStats()));
        plugins.put("filters", plugins(pipeline.filterStats()));
        plugins.put("outputs", plugins(pipeline.outputStats()));
        stats.put("plugins", plugins);
        stats.put("consumer_lag", pipeline.consumerLag());
        stats.put("dead_letter_queue", Map.of("count", pipeline.deadLetterCount()));
        return stats;
    }

    private static List<Map<String, Object>> plugins(List<PluginStats> stats) {
        return stats.stream().map(PluginStats::toJson).toList();
    }

    @Override
    public void close() {
        vertx.close();
    }
}
