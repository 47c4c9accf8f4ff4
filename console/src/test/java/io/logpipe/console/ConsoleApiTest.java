package io.logpipe.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.logpipe.console.auth.PasswordHash;
import io.logpipe.console.config.ConsoleConfig;
import io.logpipe.console.es.ElasticsearchRest;
import io.logpipe.console.web.ConsoleServer;
import io.logpipe.indexer.dlq.DeadLetterQueue;
import io.logpipe.indexer.event.Event;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console's JSON API against the real queue, Elasticsearch node and indexer pipeline of {@link ConsoleFixture}. */
class ConsoleApiTest {
    private static ConsoleFixture f;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        f = ConsoleFixture.shared();
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void searchWithQueryAndRangeReturnsTheMatchingHitsNewestFirstAndTheirHistogram() throws Exception {
        Instant from = ConsoleFixture.BASE;
        Instant to = ConsoleFixture.BASE.plus(Duration.ofMinutes(30));
        JsonNode r = f.get("/api/search?index=" + q(ConsoleFixture.PATTERN) + "&q=" + q("message:checkout AND host.name:web-1")
                + "&from=" + from + "&to=" + to, 200);
        // lines 0, 3, ..., 27 say /checkout
        assertEquals(10, r.path("total").asLong(), r.toString());
        assertEquals(10, r.path("hits").size());
        assertEquals("GET /checkout 500 request 27", r.path("hits").path(0).path("message").asText());
        assertEquals("web-1", r.path("hits").path(0).path("host").asText());
        assertEquals("/var/log/app.log", r.path("hits").path(0).path("file").asText());
        assertEquals(2700, r.path("hits").path(0).path("offset").asLong());
        // 30 minutes in buckets of 30 s: each match in the bucket of its own minute, the empty ones there too
        assertEquals(30_000, r.path("interval_ms").asLong());
        long sum = 0;
        List<Long> nonEmpty = new ArrayList<>();
        for (JsonNode b : r.path("buckets")) {
            sum += b.path("count").asLong();
            if (b.path("count").asLong() > 0) {
                nonEmpty.add(b.path("t").asLong());
            }
        }
        assertEquals(10, sum);
        assertEquals(ConsoleFixture.BASE.toEpochMilli(), nonEmpty.get(0));
        assertEquals(ConsoleFixture.BASE.plus(Duration.ofMinutes(27)).toEpochMilli(), nonEmpty.get(9));
        assertTrue(r.path("buckets").size() >= 60, "empty buckets are kept, so the chart shows gaps");

        JsonNode narrower = f.get("/api/search?index=" + q(ConsoleFixture.PATTERN) + "&q=checkout&from="
                + from.plus(Duration.ofMinutes(1)) + "&to=" + from.plus(Duration.ofMinutes(6)), 200);
        assertEquals(2, narrower.path("total").asLong(), "lines 3 and 6");

        // Over a range with lines (Elasticsearch skips the shards whose times lie outside it, unparsed)
        JsonNode bad = f.get("/api/search?index=" + q(ConsoleFixture.PATTERN) + "&q=" + q("message:(unclosed")
                + "&from=" + from + "&to=" + to, 400);
        assertTrue(bad.path("error").asText().contains("parse"), bad.toString());
    }

    @Test
    void surroundingLinesComeFromTheSameHostAndFileInOffsetOrder() throws Exception {
        JsonNode hit = f.get("/api/search?index=" + q(ConsoleFixture.PATTERN) + "&q=" + q("\"request 10\"")
                + "&from=now-1d", 200).path("hits").path(0);
        assertEquals(1000, hit.path("offset").asLong());
        JsonNode ctx = f.get("/api/surrounding?index=" + q(ConsoleFixture.PATTERN) + "&doc_index=" + hit.path("_index").asText()
                + "&id=" + q(hit.path("_id").asText()) + "&size=3", 200);
        List<Long> offsets = new ArrayList<>();
        for (JsonNode line : ctx.path("lines")) {
            offsets.add(line.path("offset").asLong());
            assertEquals("web-1", line.path("host").asText());
            assertEquals("/var/log/app.log", line.path("file").asText());
        }
        assertEquals(List.of(700L, 800L, 900L, 1000L, 1100L, 1200L, 1300L), offsets);
        assertTrue(ctx.path("lines").path(3).path("anchor").asBoolean());
    }

    /**
     * The tail delivers what is indexed after it is ready, whatever the line's time: a line stamped an hour ago
     * (a backfill) arrives beside a current one, and nothing arrives twice, also after the shards have refreshed
     * often enough for the tail to settle its cursor past them (the explicit refreshes) and later lines follow.
     */
    @Test
    void liveTailDeliversTheLinesIndexedDuringTheTestWhateverTheirTimeEachOnce() throws Exception {
        String marker = "tail-api-" + System.nanoTime();
        HttpResponse<java.io.InputStream> stream = http.send(HttpRequest.newBuilder(URI.create(f.url + "/api/tail?index="
                + q(ConsoleFixture.PATTERN) + "&q=" + q("message:" + marker))).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals("text/event-stream", stream.headers().firstValue("content-type").orElse(""));
        BlockingQueue<String> events = new ArrayBlockingQueue<>(100);
        java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                String event = "message";
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.isEmpty()) {
                        event = "message";
                    } else if (line.startsWith("event: ")) {
                        event = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        switch (event) {
                            case "ready" -> ready.countDown();
                            case "problem" -> problems.add(line.substring(6));
                            default -> events.add(line.substring(6));
                        }
                    }
                }
            } catch (Exception closed) {
                // the test ends the stream
            }
        });
        reader.setDaemon(true);
        reader.start();
        assertTrue(ready.await(60, TimeUnit.SECONDS), "no ready event; problems: " + problems);

        Instant hourAgo = Instant.now().minus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        f.produce(List.of(ConsoleFixture.line(hourAgo, "web-3", "/var/log/tail.log", 0, "backfilled " + marker),
                ConsoleFixture.line(Instant.now(), "web-3", "/var/log/tail.log", 100, "current " + marker)));
        List<JsonNode> received = new ArrayList<>();
        received.add(next(events));
        received.add(next(events));
        assertEquals(java.util.Set.of("backfilled " + marker, "current " + marker),
                java.util.Set.of(received.get(0).path("message").asText(), received.get(1).path("message").asText()));
        JsonNode backfilled = received.get(0).path("message").asText().startsWith("backfilled") ? received.get(0)
                : received.get(1);
        assertEquals(hourAgo.toString(), backfilled.path("@timestamp").asText());
        assertEquals("web-3", backfilled.path("host").asText());

        for (int round = 0; round < 2; round++) {
            f.refresh();
            f.refresh();
            String later = "later " + round + " " + marker;
            f.produce(List.of(ConsoleFixture.line(Instant.now(), "web-3", "/var/log/tail.log", 200 + round, later)));
            JsonNode next = next(events);
            assertEquals(later, next.path("message").asText(), "a line sent twice, or out of turn: " + next);
            received.add(next);
        }
        stream.body().close();
        assertEquals(4, received.size());
    }

    private static JsonNode next(BlockingQueue<String> events) throws Exception {
        String event = events.poll(60, TimeUnit.SECONDS);
        assertTrue(event != null, "no line arrived on the tail");
        return ElasticsearchRest.JSON.readTree(event);
    }

    @Test
    void offsetsResetIsPreviewedAppliedToAnEmptyGroupAndRefusedForAnActiveOne() throws Exception {
        String group = "console-reset-" + System.nanoTime();
        long total = consumeAllAndCommit(group);
        JsonNode before = f.get("/api/queue/groups", 200);
        JsonNode ours = null;
        for (JsonNode g : before) {
            if (g.path("group").asText().equals(group)) {
                ours = g;
            }
        }
        assertTrue(ours != null, before.toString());
        assertEquals(0, ours.path("lag").asLong());
        assertEquals("Empty", ours.path("state").asText());

        JsonNode preview = f.get("/api/queue/reset-preview?group=" + group + "&target=earliest", 200);
        assertEquals(total, preview.path("lag_after").asLong(), preview.toString());
        assertEquals(2, preview.path("partitions").size());
        for (JsonNode p : preview.path("partitions")) {
            assertEquals(0, p.path("new").asLong());
            assertEquals(p.path("latest").asLong(), p.path("current").asLong());
        }
        // the preview changed nothing
        assertEquals(0, lagOf(group));

        String token = f.get("/api/session", 200).path("csrf_token").asText();
        HttpResponse<String> noToken = post("/api/queue/reset", Map.of("group", group, "target", "earliest"), null);
        assertEquals(403, noToken.statusCode(), noToken.body());
        HttpResponse<String> applied = post("/api/queue/reset", Map.of("group", group, "target", "earliest"), token);
        assertEquals(200, applied.statusCode(), applied.body());
        assertEquals(total, lagOf(group));

        HttpResponse<String> active = post("/api/queue/reset", Map.of("group", ConsoleFixture.GROUP, "target", "latest"), token);
        assertEquals(409, active.statusCode(), active.body());
        assertTrue(active.body().contains("active member"), active.body());
    }

    @Test
    void browsingAPartitionShowsTheMessagesAsJson() throws Exception {
        int partition = -1;
        for (JsonNode t : f.get("/api/queue/topics", 200)) {
            if (t.path("name").asText().equals(ConsoleFixture.TOPIC)) {
                for (JsonNode p : t.path("partitions")) {
                    if (p.path("latest").asLong() > 0) {
                        partition = p.path("partition").asInt();
                    }
                }
            }
        }
        JsonNode r = f.get("/api/queue/messages?topic=" + ConsoleFixture.TOPIC + "&partition=" + partition
                + "&offset=0&limit=5", 200);
        assertTrue(r.path("messages").size() > 0, r.toString());
        assertEquals(0, r.path("messages").path(0).path("offset").asLong());
        assertTrue(r.path("messages").path(0).path("json").has("@timestamp"), r.toString());
    }

    @Test
    void pipelineShowsEachStageFromTopicToIndices() throws Exception {
        JsonNode p = f.get("/api/pipeline", 200);
        Map<String, JsonNode> stages = new java.util.HashMap<>();
        p.path("stages").forEach(s -> stages.put(s.path("id").asText(), s));
        assertEquals(List.of("shipper", "topic", "group", "indexer", "indices"),
                ElasticsearchRest.JSON.convertValue(p.path("stages").findValues("id").stream().map(JsonNode::asText).toList(), List.class));
        assertTrue(stages.get("topic").path("messages").asLong() >= 32);
        assertEquals(2, stages.get("topic").path("partitions").size());
        assertTrue(stages.get("indexer").path("events_out").asLong() >= 32, stages.get("indexer").toString());
        assertEquals("ok", stages.get("indices").path("status").asText(), stages.get("indices").toString());
        assertTrue(stages.get("indices").path("documents").asLong() >= 32);
        assertEquals("Stable", stages.get("group").path("state").asText());
        JsonNode own = stages.get("shipper").path("own");
        assertTrue(own.path("reachable").asBoolean(), own.toString());
        assertEquals(1, own.path("open_files").asLong(), own.toString());
    }

    @Test
    void aStageThatCannotBeReachedIsStalledWithTheReason() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        ConsoleConfig live = f.config("127.0.0.1", List.of());
        ConsoleConfig broken = new ConsoleConfig(live.host(), 0, List.of(URI.create("http://127.0.0.1:" + closed)), null,
                null, live.kafkaBootstrapServers(), URI.create("http://127.0.0.1:" + closed), live.pipelines(),
                live.retentionConfig(), live.deadLetterQueue(), null, List.of(),
                URI.create("http://127.0.0.1:" + closed));
        try (ConsoleServer console = ConsoleServer.start(broken, System::getenv, Clock.systemUTC(), "test")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + console.port()
                    + "/api/pipeline")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            Map<String, JsonNode> stages = new java.util.HashMap<>();
            ElasticsearchRest.JSON.readTree(r.body()).path("stages").forEach(s -> stages.put(s.path("id").asText(), s));
            assertEquals("stalled", stages.get("indices").path("status").asText());
            assertTrue(stages.get("indices").path("reason").asText().matches("Elasticsearch unreachable since \\d\\d:\\d\\d UTC"),
                    stages.get("indices").toString());
            // a shipper that does not answer is shown as such, and is no stalled stage
            JsonNode own = stages.get("shipper").path("own");
            assertFalse(own.path("reachable").asBoolean(true), stages.get("shipper").toString());
            assertEquals("not reachable", own.path("reason").asText(), stages.get("shipper").toString());
            assertEquals("ok", stages.get("shipper").path("status").asText(), stages.get("shipper").toString());
            assertEquals("stalled", stages.get("indexer").path("status").asText());
            assertTrue(stages.get("indexer").path("reason").asText().contains("unreachable since"));
            assertEquals("ok", stages.get("topic").path("status").asText(), "Kafka itself is fine");
            HttpResponse<String> search = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + console.port()
                    + "/api/search")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(502, search.statusCode());
            assertTrue(search.body().contains("Elasticsearch unreachable at http://127.0.0.1:" + closed), search.body());
        }
    }

    @Test
    void indicesShowTheirRetentionRule() throws Exception {
        JsonNode r = f.get("/api/indices", 200);
        JsonNode index = null;
        for (JsonNode i : r.path("indices")) {
            if (i.path("index").asText().startsWith("console-app-")) {
                index = i;
            }
        }
        assertTrue(index != null, r.toString());
        assertEquals("app", index.path("rule").asText());
        assertTrue(Instant.parse(index.path("deleted_at").asText()).isAfter(Instant.parse(index.path("date").asText())
                .plus(Duration.ofDays(5))));
        assertEquals("app", r.path("rules").path(0).path("name").asText());
        assertTrue(r.path("data_paths").size() > 0);
    }

    @Test
    void retryingADeadLetterWritesTheDocument() throws Exception {
        Event event = new Event(new java.util.LinkedHashMap<>(Map.of("message", "fixed mapping")));
        String id = "dlq-" + System.nanoTime();
        try (DeadLetterQueue dlq = new DeadLetterQueue(f.dir.resolve("indexer"), "retry")) {
            dlq.write("output", "elasticsearch", List.of(new DeadLetterQueue.Entry(event, "console-dlq-retry", id, 400,
                    "mapper_parsing_exception: failed to parse field [status]")));
        }
        JsonNode list = f.get("/api/dead-letters", 200);
        JsonNode entry = null;
        for (JsonNode e : list.path("entries")) {
            if (id.equals(e.path("doc_id").asText())) {
                entry = e;
            }
        }
        assertTrue(entry != null, list.toString());
        assertTrue(entry.path("reason").asText().contains("mapper_parsing_exception"));
        String token = f.get("/api/session", 200).path("csrf_token").asText();
        HttpResponse<String> retried = post("/api/dead-letters/retry", Map.of("ids", List.of(entry.path("id").asText())), token);
        assertEquals(200, retried.statusCode(), retried.body());
        assertTrue(retried.body().contains("\"retried\":true"), retried.body());
        HttpResponse<String> doc = http.send(HttpRequest.newBuilder(URI.create(f.node.url() + "/console-dlq-retry/_doc/" + id))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, doc.statusCode(), doc.body());
        assertTrue(doc.body().contains("fixed mapping"));
        String again = f.get("/api/dead-letters", 200).toString();
        assertFalse(again.contains(id), "a retried entry is no longer listed");
    }

    @Test
    void onAnyOtherAddressEveryPageAndEndpointNeedsALogin() throws Exception {
        ConsoleConfig config = f.config("0.0.0.0", List.of(new ConsoleConfig.User("ops",
                PasswordHash.hash("s3cret".toCharArray()))));
        try (ConsoleServer open = ConsoleServer.start(config, System::getenv, Clock.systemUTC(), "test")) {
            String base = "http://127.0.0.1:" + open.port();
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "/api/status")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(base + "/api/search")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(302, http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(base + "/api/login"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"ops\",\"password\":\"guess\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, wrong.statusCode());
            HttpResponse<String> right = http.send(HttpRequest.newBuilder(URI.create(base + "/api/login"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"ops\",\"password\":\"s3cret\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, right.statusCode(), right.body());
            String cookie = right.headers().firstValue("set-cookie").orElseThrow().split(";")[0];
            HttpResponse<String> session = http.send(HttpRequest.newBuilder(URI.create(base + "/api/session"))
                    .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, session.statusCode());
            assertEquals("ops", ElasticsearchRest.JSON.readTree(session.body()).path("user").asText());
        }
    }

    @Test
    void afterFiveFailedLoginsFromOneAddressItsLoginsAreRefusedForTheLockout() throws Exception {
        ConsoleConfig config = f.config("0.0.0.0", List.of(new ConsoleConfig.User("ops",
                PasswordHash.hash("s3cret".toCharArray()))));
        SettableClock clock = new SettableClock(Instant.parse("2026-12-02T10:00:00Z"));
        try (ConsoleServer open = ConsoleServer.start(config, System::getenv, clock, "test")) {
            String base = "http://127.0.0.1:" + open.port();
            for (int i = 1; i <= 5; i++) {
                assertEquals(401, login(base, "guess-" + i).statusCode(), "failure " + i);
            }
            HttpResponse<String> refused = login(base, "s3cret");
            assertEquals(429, refused.statusCode(), "locked out: even the right password is refused");
            assertEquals("too many failed logins from 127.0.0.1; try again in 300 s",
                    ElasticsearchRest.JSON.readTree(refused.body()).path("error").asText());
            assertEquals("300", refused.headers().firstValue("retry-after").orElse(null));
            clock.advance(Duration.ofMinutes(4));
            assertEquals("60", login(base, "s3cret").headers().firstValue("retry-after").orElse(null));
            clock.advance(Duration.ofMinutes(1));
            assertEquals(200, login(base, "s3cret").statusCode(), "the lockout is over");
        }
    }

    private HttpResponse<String> login(String base, String password) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/login")).POST(HttpRequest.BodyPublishers
                .ofString("{\"username\":\"ops\",\"password\":\"" + password + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private long lagOf(String group) throws Exception {
        for (JsonNode g : f.get("/api/queue/groups", 200)) {
            if (g.path("group").asText().equals(group)) {
                return g.path("lag").asLong();
            }
        }
        throw new AssertionError("no group " + group);
    }

    private HttpResponse<String> post(String path, Object body, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(f.url + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ElasticsearchRest.JSON.writeValueAsString(body)));
        if (token != null) {
            r.header("X-CSRF-Token", token);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A group that has read the whole topic and committed, then left: Empty, lag 0. Returns the messages read. */
    private static long consumeAllAndCommit(String group) {
        Properties props = new Properties();
        props.put("bootstrap.servers", f.broker.bootstrapServers());
        props.put("group.id", group);
        props.put("enable.auto.commit", "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = List.of(new TopicPartition(ConsoleFixture.TOPIC, 0), new TopicPartition(ConsoleFixture.TOPIC, 1));
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> commit = new java.util.HashMap<>();
            end.forEach((tp, o) -> commit.put(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(o)));
            consumer.commitSync(commit);
            return end.values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
