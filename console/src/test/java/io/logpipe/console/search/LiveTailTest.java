package io.logpipe.console.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.logpipe.console.es.ElasticsearchRest;
import io.logpipe.testkit.ElasticsearchNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link LiveTail} against the real Elasticsearch node, with refreshes only when the test asks (refresh_interval
 * -1), so each poll's view is known: what counts is when a line was indexed, not its time; indices of several
 * shards and indices created after the start are followed; pages smaller than what is new are continued; and
 * polling on across the refreshes that let the tail settle sends no line twice.
 */
class LiveTailTest {
    private static ElasticsearchNode node;
    private static ElasticsearchRest es;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        node = ElasticsearchNode.shared();
        es = new ElasticsearchRest(List.of(URI.create(node.url())), null, null);
    }

    @Test
    void deliversEachMatchingLineIndexedAfterTheStartOnceWhateverItsTime() throws Exception {
        String prefix = "livetail-" + System.nanoTime();
        createIndex(prefix + "-2026.12.01", 3);
        for (int i = 0; i < 4; i++) {
            index(prefix + "-2026.12.01", "match before " + i, "2026-12-01T10:00:00Z");
        }
        refresh(prefix + "-*");
        // page size 2: three shards with more than two new lines each need more than one poll
        LiveTail tail = new LiveTail(es, prefix + "-*", "message:match", 2);
        assertEquals(3, tail.start().get(30, TimeUnit.SECONDS), "one cursor per shard");

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            // times from years back to the day before: a backfill
            String at = (i % 3 == 0 ? "2019-05-0" + (i / 3 + 1) : "2026-12-01") + "T09:0" + i + ":00Z";
            index(prefix + "-2026.12.01", "match backfill " + i, at);
            expected.add("match backfill " + i);
            index(prefix + "-2026.12.01", "other " + i, at);
        }
        List<String> got = new ArrayList<>();
        got.addAll(messages(tail.poll().get(30, TimeUnit.SECONDS)));
        assertEquals(List.of(), got, "nothing is searchable before a refresh");

        refresh(prefix + "-*");
        for (int poll = 0; poll < 6; poll++) {
            got.addAll(messages(tail.poll().get(30, TimeUnit.SECONDS)));
        }
        assertEquals(sorted(expected), sorted(got));

        // the next day's index, made after the tail started: all of its lines are new
        createIndex(prefix + "-2026.12.02", 1);
        index(prefix + "-2026.12.02", "match new day", "2026-12-02T00:00:01Z");
        index(prefix + "-2026.12.01", "match late", "2026-12-01T23:59:59Z");
        expected.add("match new day");
        expected.add("match late");
        // polls across refreshes: each one may settle a cursor (two refreshes since its checkpoint was read)
        for (int poll = 0; poll < 8; poll++) {
            refresh(prefix + "-*");
            got.addAll(messages(tail.poll().get(30, TimeUnit.SECONDS)));
        }
        assertEquals(sorted(expected), sorted(got), "each line once");
        assertEquals(0L, tail.settled(prefix + "-2026.12.02", 0), "settled past the new day's only line");
        assertEquals(maxSeqNos(prefix + "-2026.12.01"), List.of(tail.settled(prefix + "-2026.12.01", 0),
                tail.settled(prefix + "-2026.12.01", 1), tail.settled(prefix + "-2026.12.01", 2)),
                "settled up to each shard's last operation, so it remembers no sent line");
    }

    private List<Long> maxSeqNos(String index) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.url() + "/" + index
                + "/_stats?level=shards")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode shards = ElasticsearchRest.JSON.readTree(r.body()).path("indices").path(index).path("shards");
        List<Long> out = new ArrayList<>();
        for (int shard = 0; shard < 3; shard++) {
            out.add(shards.path(Integer.toString(shard)).path(0).path("seq_no").path("max_seq_no").asLong());
        }
        return out;
    }

    @Test
    void aFailedShardSearchIsReportedAndTheLinesComeNextPoll() throws Exception {
        String prefix = "livetail-bad-" + System.nanoTime();
        createIndex(prefix + "-a", 1);
        LiveTail bad = new LiveTail(es, prefix + "-*", "message:(unclosed", 10);
        bad.start().get(30, TimeUnit.SECONDS);
        index(prefix + "-a", "match one", "2020-01-01T00:00:00Z");
        refresh(prefix + "-*");
        LiveTail.Batch batch = bad.poll().get(30, TimeUnit.SECONDS);
        assertEquals(0, batch.lines().size());
        assertEquals(1, batch.problems().size(), batch.toString());
        assertTrue(batch.problems().get(0).contains("parse"), batch.problems().get(0));
        assertThrows(IllegalStateException.class, () -> new LiveTail(es, prefix + "-*", "", 10).poll());
        assertThrows(IllegalArgumentException.class, () -> new LiveTail(es, prefix + "-*", "", 0));
    }

    private static List<String> messages(LiveTail.Batch batch) {
        assertEquals(List.of(), batch.problems());
        List<String> out = new ArrayList<>();
        for (JsonNode line : batch.lines()) {
            out.add(line.path("message").asText());
        }
        return out;
    }

    private static List<String> sorted(List<String> list) {
        return list.stream().sorted().toList();
    }

    private void createIndex(String name, int shards) throws Exception {
        send("PUT", "/" + name, Map.of("settings", Map.of("number_of_shards", shards, "number_of_replicas", 0,
                "refresh_interval", "-1")));
    }

    private void index(String name, String message, String at) throws Exception {
        send("POST", "/" + name + "/_doc", Map.of("message", message, "@timestamp", at));
    }

    private void refresh(String pattern) throws Exception {
        send("POST", "/" + pattern + "/_refresh", null);
    }

    private void send(String method, String path, Object body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.url() + path))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(ElasticsearchRest.JSON.writeValueAsString(body)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() / 100 == 2, method + " " + path + ": " + r.body());
    }
}
