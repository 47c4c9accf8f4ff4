package io.logpipe.console.es;

import io.logpipe.console.ApiException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Elasticsearch through its REST API only (so the console works against any cluster): JSON in, JSON out,
 * asynchronous so that no event loop waits. Requests go to the configured hosts in turn; a host that cannot be
 * reached is skipped for the next one.
 */
public final class ElasticsearchRest {
    public static final ObjectMapper JSON = new ObjectMapper();

    private final List<URI> hosts;
    private final String authorization;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger next = new AtomicInteger();

    public ElasticsearchRest(List<URI> hosts, String user, String password) {
        this.hosts = List.copyOf(hosts);
        this.authorization = user == null ? null : "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
    }

    public CompletableFuture<JsonNode> get(String path) {
        return send("GET", path, null, "application/json");
    }

    public CompletableFuture<JsonNode> post(String path, Object body) {
        return send("POST", path, body, "application/json");
    }

    public CompletableFuture<JsonNode> put(String path, Object body) {
        return send("PUT", path, body, "application/json");
    }

    public CompletableFuture<JsonNode> send(String method, String path, Object body, String contentType) {
        int start = Math.floorMod(next.getAndIncrement(), hosts.size());
        return attempt(method, path, body, contentType, start, 0);
    }

    private CompletableFuture<JsonNode> attempt(String method, String path, Object body, String contentType,
                                                int start, int tried) {
        URI host = hosts.get((start + tried) % hosts.size());
        HttpRequest.Builder request = HttpRequest.newBuilder(host.resolve(path)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        byte[] bytes;
        try {
            bytes = body == null ? null : body instanceof String s ? s.getBytes(StandardCharsets.UTF_8)
                    : JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        request.header("Content-Type", contentType);
        request.method(method, bytes == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(bytes));
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
                .handle((response, failure) -> {
                    if (failure != null) {
                        if (tried + 1 < hosts.size()) {
                            return attempt(method, path, body, contentType, start, tried + 1);
                        }
                        return CompletableFuture.<JsonNode>failedFuture(new ApiException(502,
                                "Elasticsearch unreachable at " + host + " (" + rootMessage(failure) + ")"));
                    }
                    JsonNode json;
                    try {
                        json = response.body().length == 0 ? JSON.nullNode() : JSON.readTree(response.body());
                    } catch (IOException e) {
                        json = JSON.getNodeFactory().textNode(new String(response.body(), StandardCharsets.UTF_8));
                    }
                    if (response.statusCode() >= 400) {
                        return CompletableFuture.<JsonNode>failedFuture(
                                new ApiException(status(response.statusCode()), reason(json)));
                    }
                    return CompletableFuture.completedFuture(json);
                }).thenCompose(f -> f);
    }

    /**
     * Elasticsearch's status as ours: its 401 and 403 are about the console's own credentials (elasticsearch.username),
     * not the user's login, and its 5xx are a failing backend.
     */
    static int status(int elasticsearch) {
        return elasticsearch == 401 || elasticsearch == 403 || elasticsearch >= 500 ? 502 : elasticsearch;
    }

    /** Elasticsearch's own words for an error: the root cause's reason when there is one. */
    static String reason(JsonNode json) {
        JsonNode error = json.path("error");
        JsonNode cause = error.path("root_cause").path(0);
        if (cause.has("reason")) {
            return cause.path("type").asText() + ": " + cause.path("reason").asText();
        }
        if (error.has("reason")) {
            return error.path("type").asText() + ": " + error.path("reason").asText();
        }
        return json.toString();
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
