package io.logpipe.indexer.plugins.outputs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntPredicate;

/**
 * An HTTP proxy in front of a real Elasticsearch node that makes it answer what a single healthy node will not answer
 * on demand: a whole {@code _bulk} request refused with 429/502/503 (the request never reaches the node), or some
 * items of a bulk request rejected with an item-level 429 {@code es_rejected_execution_exception} (those items are
 * taken out of the request before it is forwarded, so the node really never sees them, and put back into the
 * answer as rejected). Every other request is forwarded unchanged.
 */
final class HttpFaultProxy implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> NOT_FORWARDED = Set.of("host", "connection", "content-length", "transfer-encoding",
            "keep-alive", "upgrade", "expect");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final HttpClient upstream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final String target;
    private final List<Long> bulkArrivals = new CopyOnWriteArrayList<>();
    private int refuseBulkRequests;
    private int refuseStatus;
    private int rejectItemsInBulkRequests;
    private IntPredicate rejectedItem = position -> false;

    HttpFaultProxy(int targetPort) throws IOException {
        this.target = "http://127.0.0.1:" + targetPort;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next {@code count} bulk requests are answered {@code status} without reaching the node. */
    synchronized HttpFaultProxy refuseBulk(int count, int status) {
        refuseBulkRequests = count;
        refuseStatus = status;
        return this;
    }

    /** In the next {@code count} bulk requests, the items at positions accepted by {@code items} are rejected (429). */
    synchronized HttpFaultProxy rejectItems(int count, IntPredicate items) {
        rejectItemsInBulkRequests = count;
        rejectedItem = items;
        return this;
    }

    /** When each bulk request arrived, System.nanoTime(). */
    List<Long> bulkArrivals() {
        return List.copyOf(bulkArrivals);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean bulk = exchange.getRequestURI().getPath().endsWith("/_bulk");
            int refuse = 0;
            IntPredicate reject = null;
            if (bulk) {
                bulkArrivals.add(System.nanoTime());
                synchronized (this) {
                    if (refuseBulkRequests > 0) {
                        refuseBulkRequests--;
                        refuse = refuseStatus;
                    } else if (rejectItemsInBulkRequests > 0) {
                        rejectItemsInBulkRequests--;
                        reject = rejectedItem;
                    }
                }
            }
            if (refuse != 0) {
                exchange.getResponseHeaders().set("Retry-After", "1");
                reply(exchange, refuse, refusal(refuse));
                return;
            }
            if (reject == null) {
                HttpResponse<byte[]> response = forward(exchange, body);
                reply(exchange, response.statusCode(), response.body());
                return;
            }
            rejectSomeItems(exchange, body, reject);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What Elasticsearch (or a load balancer in front of it) answers when it cannot take the request. */
    private static byte[] refusal(int status) {
        String body = status == 429
                ? "{\"error\":{\"root_cause\":[{\"type\":\"es_rejected_execution_exception\",\"reason\":\"rejected execution"
                + " of coordinating operation\"}],\"type\":\"es_rejected_execution_exception\",\"reason\":\"rejected"
                + " execution of coordinating operation\"},\"status\":429}"
                : status == 503
                ? "{\"error\":{\"root_cause\":[{\"type\":\"cluster_block_exception\",\"reason\":\"blocked by:"
                + " [SERVICE_UNAVAILABLE/1/state not recovered / initialized];\"}],\"type\":\"cluster_block_exception\","
                + "\"reason\":\"blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];\"},\"status\":503}"
                : "<html><body><h1>" + status + " Bad Gateway</h1></body></html>";
        return body.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Forwards the bulk request without the rejected operations, then answers with the node's items and, at the
     * rejected positions, item-level 429s.
     */
    private void rejectSomeItems(HttpExchange exchange, byte[] body, IntPredicate reject)
            throws IOException, InterruptedException {
        List<String> lines = new ArrayList<>(List.of(new String(body, StandardCharsets.UTF_8).split("\n")));
        lines.removeIf(String::isEmpty);
        StringBuilder forwarded = new StringBuilder();
        List<ObjectNode> rejected = new ArrayList<>();
        List<Integer> rejectedPositions = new ArrayList<>();
        int position = 0;
        for (int i = 0; i < lines.size(); position++) {
            ObjectNode action = (ObjectNode) JSON.readTree(lines.get(i));
            String kind = action.fieldNames().next();
            int length = kind.equals("delete") ? 1 : 2;
            if (reject.test(position)) {
                ObjectNode meta = (ObjectNode) action.get(kind);
                ObjectNode result = JSON.createObjectNode();
                ObjectNode item = result.putObject(kind);
                item.put("_index", meta.path("_index").asText());
                item.put("_id", meta.path("_id").asText());
                item.put("status", 429);
                ObjectNode error = item.putObject("error");
                error.put("type", "es_rejected_execution_exception");
                error.put("reason", "rejected execution of org.elasticsearch.action.bulk.TransportShardBulkAction on"
                        + " EsThreadPoolExecutor[name = write, queue capacity = 10000]");
                rejected.add(result);
                rejectedPositions.add(position);
            } else {
                for (int j = 0; j < length; j++) {
                    forwarded.append(lines.get(i + j)).append('\n');
                }
            }
            i += length;
        }
        ObjectNode answer;
        if (forwarded.length() == 0) {
            answer = JSON.createObjectNode();
            answer.put("took", 0);
            answer.putArray("items");
        } else {
            HttpResponse<byte[]> response = forward(exchange, forwarded.toString().getBytes(StandardCharsets.UTF_8));
            if (response.statusCode() != 200) {
                reply(exchange, response.statusCode(), response.body());
                return;
            }
            answer = (ObjectNode) JSON.readTree(response.body());
        }
        ArrayNode items = (ArrayNode) answer.get("items");
        for (int k = 0; k < rejected.size(); k++) {
            items.insert(rejectedPositions.get(k), rejected.get(k));
        }
        answer.put("errors", true);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        reply(exchange, 200, JSON.writeValueAsBytes(answer));
    }

    private HttpResponse<byte[]> forward(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
        URI uri = URI.create(target + exchange.getRequestURI());
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2))
                .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase())) {
                values.forEach(value -> request.header(name, value));
            }
        });
        HttpResponse<byte[]> response = upstream.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        response.headers().map().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase()) && !name.startsWith(":")) {
                exchange.getResponseHeaders().put(name, values);
            }
        });
        return response;
    }

    private static void reply(HttpExchange exchange, int status, byte[] body) throws IOException {
        if (!exchange.getResponseHeaders().containsKey("Content-Type")) {
            exchange.getResponseHeaders().set("Content-Type", status == 502 ? "text/html" : "application/json");
        }
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
