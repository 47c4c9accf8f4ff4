package io.logpipe.shipper.monitoring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Filebeat's HTTP endpoint ({@code http.enabled}, {@code http.host}, {@code http.port}): {@code GET /} is the beat's
 * info, {@code GET /stats} its counters in Filebeat's shape. It runs on its own single event loop, so a slow or
 * greedy client never touches the reading and publishing threads; it only reads their counters.
 */
public final class StatsEndpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Vertx vertx;
    private final HttpServer server;
    private final ShipperStats stats;

    private StatsEndpoint(Vertx vertx, HttpServer server, ShipperStats stats) {
        this.vertx = vertx;
        this.server = server;
        this.stats = stats;
    }

    /** Listens on {@code host:port} (0: any free port, see {@link #port()}); fails with what to change. */
    public static StatsEndpoint start(String host, int port, ShipperStats stats) throws IOException {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        HttpServer server = vertx.createHttpServer().requestHandler(request -> handle(request, stats));
        try {
            server.listen(port, host).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException("cannot listen on " + host + ":" + port + " for the stats endpoint (" + cause
                    .getMessage() + "); set http.port to a free port, or http.enabled: false", cause);
        }
        // the events-per-second figure: one sample a second, on the endpoint's own event loop
        stats.sample(System.nanoTime());
        vertx.setPeriodic(1000, id -> stats.sample(System.nanoTime()));
        return new StatsEndpoint(vertx, server, stats);
    }

    /** The port it listens on. */
    public int port() {
        return server.actualPort();
    }

    private static void handle(HttpServerRequest request, ShipperStats stats) {
        String path = request.path().replaceAll("/+$", "");
        int status = 200;
        Object body;
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            status = 405;
            body = Map.of("error", "only GET is served here");
        } else if (path.isEmpty()) {
            body = stats.info();
        } else if (path.equals("/stats")) {
            body = stats.snapshot(System.nanoTime());
        } else {
            status = 404;
            body = Map.of("error", "not found: " + request.path() + " (try / or /stats)");
        }
        String text;
        try {
            text = request.params().contains("pretty") ? JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body)
                    : JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            status = 500;
            text = "{\"error\":\"" + e.getOriginalMessage().replace('"', '\'') + "\"}";
        }
        request.response().setStatusCode(status).putHeader("content-type", "application/json; charset=utf-8")
                .end(text + "\n");
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // stopping anyway
        }
    }
}
