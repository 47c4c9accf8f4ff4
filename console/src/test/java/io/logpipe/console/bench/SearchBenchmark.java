package io.logpipe.console.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logpipe.console.config.ConsoleConfig;
import io.logpipe.console.es.ElasticsearchRest;
import io.logpipe.console.web.ConsoleServer;
import io.logpipe.testkit.ElasticsearchNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The console's search p95 (issue 13: under 1 s over 1M documents, with the histogram), beside its anchor: the same
 * query_string + range + date_histogram + 100 hits sent straight to Elasticsearch's _search. Loads {@code docs}
 * log lines spread over the last 24 hours into daily indices, then runs each query {@code rounds} times through both.
 * Run by bench/console/run.
 */
public final class SearchBenchmark {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String[] PATHS = {"/", "/checkout", "/cart", "/api/items", "/login", "/search"};
    private static final int[] STATUS = {200, 200, 200, 200, 301, 404, 500};

    /** A search as the page sends it. */
    record Query(String q, String from) {
    }

    public static void main(String[] args) throws Exception {
        int docs = Integer.getInteger("docs", 1_000_000);
        int rounds = Integer.getInteger("rounds", 20);
        ElasticsearchNode node = ElasticsearchNode.start(ElasticsearchNode.Options.insecure("bench-console"));
        Instant now = Instant.now();
        load(node.url(), docs, now);
        ConsoleConfig config = new ConsoleConfig("127.0.0.1", 0, List.of(URI.create(node.url())), null, null,
                "127.0.0.1:1", URI.create("http://127.0.0.1:1"), "/nonexistent/*.conf", Path.of("/nonexistent.yml"),
                Path.of("/nonexistent"), "bench-logs-*", List.of(), null);
        List<Query> queries = List.of(new Query("", "now-24h"), new Query("message:checkout", "now-24h"),
                new Query("status:500 AND host.name:web-3", "now-24h"), new Query("message:\"GET /cart\"", "now-1h"),
                new Query("NOT status:200", "now-7d"));
        try (ConsoleServer console = ConsoleServer.start(config, System::getenv, Clock.systemUTC(), "bench")) {
            String base = "http://127.0.0.1:" + console.port();
            for (Query q : queries) { // warm both
                console(base, q);
                anchor(node.url(), q);
            }
            List<Long> ours = new ArrayList<>();
            List<Long> theirs = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                for (Query q : queries) {
                    ours.add(console(base, q));
                    theirs.add(anchor(node.url(), q));
                }
                System.err.printf("round %d/%d done%n", r + 1, rounds);
            }
            long p95 = percentile(ours, 95);
            long anchor95 = percentile(theirs, 95);
            System.out.printf("%,d documents, %d queries x %d rounds%n", docs, queries.size(), rounds);
            System.out.printf("console /api/search: p50 %d ms, p95 %d ms (goal: p95 < 1000 ms)%n", percentile(ours, 50), p95);
            System.out.printf("anchor  Elasticsearch _search: p50 %d ms, p95 %d ms%n", percentile(theirs, 50), anchor95);
            System.out.printf("ratio p95 console/anchor: %.2fx; %s%n", (double) p95 / Math.max(1, anchor95),
                    p95 < 1000 ? "goal met" : "GOAL MISSED");
        } finally {
            node.close();
        }
    }

    private static long console(String base, Query q) throws Exception {
        String url = base + "/api/search?index=bench-logs-*&size=100&from=" + q.from() + "&q="
                + URLEncoder.encode(q.q(), StandardCharsets.UTF_8);
        long start = System.nanoTime();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (r.statusCode() != 200) {
            throw new IllegalStateException("console answered " + r.statusCode() + ": " + r.body());
        }
        return ms;
    }

    /** What the console asks Elasticsearch for, asked directly. */
    private static long anchor(String es, Query q) throws Exception {
        Instant to = Instant.now();
        Instant from = io.logpipe.console.search.TimeRange.parse(q.from(), "now", to).from();
        ObjectNode body = ElasticsearchRest.JSON.createObjectNode();
        body.put("size", 100).put("track_total_hits", true);
        body.putArray("sort").addObject().putObject("@timestamp").put("order", "desc");
        ObjectNode bool = body.putObject("query").putObject("bool");
        if (!q.q().isBlank()) {
            bool.putArray("must").addObject().putObject("query_string").put("query", q.q()).put("analyze_wildcard", true);
        }
        bool.putArray("filter").addObject().putObject("range").putObject("@timestamp")
                .put("gte", from.toString()).put("lte", to.toString());
        long interval = new io.logpipe.console.search.TimeRange(from, to).interval().toSeconds();
        body.putObject("aggs").putObject("h").putObject("date_histogram").put("field", "@timestamp")
                .put("fixed_interval", interval + "s").put("min_doc_count", 0);
        long start = System.nanoTime();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(es + "/bench-logs-*/_search"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (r.statusCode() != 200) {
            throw new IllegalStateException("Elasticsearch answered " + r.statusCode() + ": " + r.body());
        }
        return ms;
    }

    /** {@code docs} lines as the shipper writes them, one a {@code 24 h / docs} apart, in daily indices. */
    private static void load(String es, int docs, Instant now) throws Exception {
        DateTimeFormatter day = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);
        long step = Duration.ofHours(24).toNanos() / docs;
        Instant first = now.minus(Duration.ofHours(24));
        StringBuilder bulk = new StringBuilder();
        long started = System.nanoTime();
        for (int i = 0; i < docs; i++) {
            Instant at = first.plusNanos(step * i);
            int status = STATUS[i % STATUS.length];
            String path = PATHS[(i / 7) % PATHS.length];
            bulk.append("{\"index\":{\"_index\":\"bench-logs-").append(day.format(at)).append("\"}}\n");
            bulk.append("{\"@timestamp\":\"").append(at).append("\",\"status\":").append(status)
                    .append(",\"host\":{\"name\":\"web-").append(i % 5).append("\"},\"log\":{\"offset\":").append(i * 120L)
                    .append(",\"file\":{\"path\":\"/var/log/nginx/access.log\"}},\"message\":\"10.0.").append(i % 250)
                    .append(".7 - - GET ").append(path).append(" HTTP/1.1 ").append(status).append(' ').append(i % 9000)
                    .append("\"}\n");
            if ((i + 1) % 5000 == 0 || i == docs - 1) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(es + "/_bulk"))
                        .header("Content-Type", "application/x-ndjson")
                        .POST(HttpRequest.BodyPublishers.ofString(bulk.toString())).build(), HttpResponse.BodyHandlers.ofString());
                JsonNode result = ElasticsearchRest.JSON.readTree(r.body());
                if (r.statusCode() != 200 || result.path("errors").asBoolean()) {
                    throw new IllegalStateException("bulk load failed: " + r.body().substring(0, Math.min(500, r.body().length())));
                }
                bulk.setLength(0);
                if ((i + 1) % 100_000 == 0) {
                    System.err.printf("loaded %,d of %,d documents (%d s)%n", i + 1, docs, (System.nanoTime() - started) / 1_000_000_000);
                }
            }
        }
        HTTP.send(HttpRequest.newBuilder(URI.create(es + "/bench-logs-*/_refresh")).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        HTTP.send(HttpRequest.newBuilder(URI.create(es + "/bench-logs-*/_forcemerge?max_num_segments=1"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        System.err.printf("loaded %,d documents in %d s%n", docs, (System.nanoTime() - started) / 1_000_000_000);
    }

    private static long percentile(List<Long> values, int p) {
        long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

}
