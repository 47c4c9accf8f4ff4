package io.logpipe.indexer.pipeline;

import io.logpipe.indexer.event.EventJson;
import io.logpipe.indexer.plugins.PluginStats;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.KeyCertOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;

/**
 * Logstash's monitoring API on {@code http.host:http.port}: {@code GET /_node/stats/pipelines[/<id>]} gives events
 * in, filtered and out per pipeline and per plugin, consumer lag per Kafka partition and the dead-letter queue count.
 * Each plugin's entry is its own {@link PluginStats#toJson()}: Logstash's fields plus retries, failures and the last
 * failure's reason. As Logstash 8's API it may speak HTTPS ({@code api.ssl.*}) and ask for Basic credentials
 * ({@code api.auth.type: basic}): see {@link Protection}.
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

    /**
     * How the API is protected: {@code keys} (null: plain HTTP) is the certificate and key it presents, and a
     * request must carry Basic credentials {@code username}/{@code password} when they are not null.
     */
    public record Protection(KeyManagerFactory keys, String username, String password) {
        public static final Protection NONE = new Protection(null, null, null);

        /** Logstash's realm, so that curl and browsers show the same prompt as for Logstash. */
        static final String REALM = "logstash-api";

        boolean authenticates() {
            return username != null;
        }

        @Override
        public String toString() {
            // never the password
            return (keys == null ? "http" : "https") + (username == null ? "" : ", user " + username);
        }
    }

    public static MonitoringApi start(String host, int port, List<Pipeline> pipelines) throws Exception {
        return start(host, port, defaultNodeName(), pipelines);
    }

    public static MonitoringApi start(String host, int port, String nodeName, List<Pipeline> pipelines)
            throws Exception {
        return start(host, port, nodeName, pipelines, Protection.NONE);
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
    public static MonitoringApi start(String host, int port, String nodeName, List<Pipeline> pipelines,
                                      Protection protection) throws Exception {
        Vertx vertx = Vertx.vertx();
        List<Pipeline> watched = List.copyOf(pipelines);
        HttpServerOptions options = new HttpServerOptions();
        if (protection.keys() != null) {
            options.setSsl(true).setKeyCertOptions(KeyCertOptions.wrap(protection.keys()));
        }
        byte[] expected = protection.authenticates() ? basic(protection.username(), protection.password()) : null;
        HttpServer server = vertx.createHttpServer(options).requestHandler(request -> {
            if (expected != null && !authorized(request, expected)) {
                request.response().setStatusCode(401)
                        .putHeader("WWW-Authenticate", "Basic realm=\"" + Protection.REALM + "\"")
                        .putHeader("content-type", "application/json")
                        .end(EventJson.toJson(Map.of("error", "authentication required: this API asks for the"
                                + " user and password of api.auth.basic.username/password (HTTP Basic)")));
                return;
            }
            handle(request, nodeName, watched);
        });
        try {
            server.listen(port, host).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("cannot listen on " + host + ":" + port + " for the monitoring API ("
                    + e.getMessage() + "); set http.port to a free port", e);
        }
        return new MonitoringApi(vertx, server, watched);
    }

    /** The credentials as an Authorization header carries them: {@code Basic base64(user:password)}. */
    private static byte[] basic(String username, String password) {
        return ("Basic " + Base64.getEncoder().encodeToString((username + ":" + password)
                .getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8);
    }

    private static boolean authorized(HttpServerRequest request, byte[] expected) {
        String given = request.getHeader("Authorization");
        if (given == null || !given.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        // The scheme's case does not matter (RFC 7617). MessageDigest.isEqual takes as long for any wrong value of
        // the same length: the time does not tell how much of it was right.
        return MessageDigest.isEqual(("Basic " + given.substring(6).trim()).getBytes(StandardCharsets.UTF_8), expected);
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
