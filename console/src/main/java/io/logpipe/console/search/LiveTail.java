package io.logpipe.console.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logpipe.console.es.ElasticsearchRest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * One live tail: the lines matching a query that Elasticsearch indexed after the tail started, whatever their
 * {@code @timestamp} (a backfill, a date filter taking the time from the line, a shipper catching up), each once.
 *
 * <p>What is new is told by each shard's sequence numbers, not by time: a shard numbers every operation, so each
 * shard of each index matching the pattern has a cursor. {@link #start()} puts every existing shard's cursor at its
 * {@code max_seq_no}; a shard (or index, e.g. a new day's) that appears later starts from its first operation; an
 * index deleted and recreated under its name (another uuid) starts again. Each {@link #poll()} reads the shards'
 * sequence numbers and refresh counts ({@code _stats}) and searches, per shard with new operations, those above
 * the highest one it has returned so far, in sequence order.
 *
 * <p>Sequence order is not the order in which lines become searchable: two bulk requests indexed at once on a
 * shard can leave a lower number invisible at a refresh that shows a higher one. So a cursor also keeps a settled
 * mark: every matching line numbered at or below it has been sent. To move it to a shard's local checkpoint
 * (every operation up to it is in Lucene) it waits until each copy of the shard has refreshed twice since that
 * checkpoint was read (the first may have begun before), then searches between the old and new mark once for
 * lines not sent yet. Lines above the mark already sent are remembered, so nothing goes out twice.
 *
 * <p>Not thread-safe: one {@link #poll()} at a time. If a primary fails over, operations above the global
 * checkpoint that the new primary never received are lost to Elasticsearch too, and numbers reused for others are
 * taken as sent.
 */
public final class LiveTail {
    private static final int SEND_UNSENT_AS_TERMS = 1024;

    private final ElasticsearchRest es;
    private final String pattern;
    private final String query;
    private final int pageSize;
    private final Map<ShardKey, Cursor> cursors = new HashMap<>();
    private boolean started;

    public LiveTail(ElasticsearchRest es, String pattern, String query, int pageSize) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("page size must be at least 1, not " + pageSize);
        }
        this.es = es;
        this.pattern = pattern;
        this.query = query;
        this.pageSize = pageSize;
    }

    /** Sets the cursors at what is indexed now; lines indexed after this completes are delivered. */
    public synchronized CompletableFuture<Integer> start() {
        return shards().thenApply(shards -> {
            synchronized (this) {
                for (ShardStats s : shards) {
                    cursors.put(s.key(), new Cursor(s.uuid(), s.maxSeqNo()));
                }
                started = true;
                return cursors.size();
            }
        });
    }

    /**
     * What one poll found: the matching lines indexed since the last poll (or since {@link #start()}), each
     * shard's in order, and why the shards that failed did (they are searched again next poll: nothing is lost).
     */
    public record Batch(ArrayNode lines, List<String> problems) {
    }

    public synchronized CompletableFuture<Batch> poll() {
        if (!started) {
            throw new IllegalStateException("start the tail first");
        }
        return shards().thenCompose(shards -> {
            List<CompletableFuture<ArrayNode>> searches = new ArrayList<>();
            synchronized (this) {
                for (ShardStats s : shards) {
                    Cursor cursor = cursors.get(s.key());
                    if (cursor == null || !cursor.uuid.equals(s.uuid())) {
                        // an index (or shard) that appeared after the tail started: all of it is new
                        cursor = new Cursor(s.uuid(), -1);
                        cursors.put(s.key(), cursor);
                    }
                    searches.add(poll(s, cursor));
                }
                // A shard missing from the stats keeps its cursor: it may be recovering, and would otherwise
                // come back as new and send all its lines again. A deleted index's few cursors stay till the end.
            }
            List<CompletableFuture<Batch>> answered = searches.stream().map(search -> search.handle((lines, failure) ->
                    failure == null ? new Batch(lines, List.<String>of())
                            : new Batch(ElasticsearchRest.JSON.createArrayNode(), List.of(rootMessage(failure)))))
                    .toList();
            return CompletableFuture.allOf(answered.toArray(CompletableFuture[]::new)).thenApply(done -> {
                ArrayNode lines = ElasticsearchRest.JSON.createArrayNode();
                List<String> problems = new ArrayList<>();
                for (CompletableFuture<Batch> shard : answered) {
                    lines.addAll(shard.join().lines());
                    problems.addAll(shard.join().problems());
                }
                return new Batch(lines, problems.stream().distinct().toList());
            });
        });
    }

    /** Up to which sequence number a shard is settled (all its matching lines sent), or null if not followed. */
    synchronized Long settled(String index, int shard) {
        Cursor cursor = cursors.get(new ShardKey(index, shard));
        return cursor == null ? null : cursor.settled;
    }

    private CompletableFuture<ArrayNode> poll(ShardStats s, Cursor cursor) {
        if (cursor.candidate == null || !cursor.candidate.stillComparableWith(s)) {
            cursor.candidate = s.localCheckpoint() > cursor.settled
                    ? new Candidate(s.localCheckpoint(), s.refreshes()) : null;
        }
        CompletableFuture<ArrayNode> settling = cursor.candidate != null && cursor.candidate.visibleIn(s)
                ? settle(s.key(), cursor) : CompletableFuture.completedFuture(ElasticsearchRest.JSON.createArrayNode());
        return settling.thenCompose(out -> {
            if (s.maxSeqNo() <= cursor.scanned) {
                return CompletableFuture.completedFuture(out);
            }
            return search(s.key(), seqNoRange(cursor.scanned, null), null).thenApply(hits -> {
                synchronized (this) {
                    for (JsonNode hit : hits) {
                        long seqNo = hit.path("_seq_no").asLong();
                        cursor.scanned = Math.max(cursor.scanned, seqNo);
                        if (cursor.sent.add(seqNo)) {
                            out.add(SearchService.row(hit));
                        }
                    }
                }
                return out;
            });
        });
    }

    /** Sends what became visible below the highest line sent, then moves the settled mark up. */
    private CompletableFuture<ArrayNode> settle(ShardKey key, Cursor cursor) {
        long upTo = cursor.candidate.checkpoint;
        NavigableSet<Long> sentBelow = cursor.sent.headSet(upTo, true);
        List<Long> exclude = sentBelow.size() <= SEND_UNSENT_AS_TERMS ? List.copyOf(sentBelow) : List.of();
        return search(key, seqNoRange(cursor.settled, upTo), exclude).thenApply(hits -> {
            synchronized (this) {
                ArrayNode out = ElasticsearchRest.JSON.createArrayNode();
                long last = cursor.settled;
                for (JsonNode hit : hits) {
                    long seqNo = hit.path("_seq_no").asLong();
                    last = seqNo;
                    if (cursor.sent.add(seqNo)) {
                        out.add(SearchService.row(hit));
                    }
                }
                if (hits.size() < pageSize) {
                    cursor.settled = upTo;
                    cursor.candidate = null;
                } else {
                    cursor.settled = last; // the rest next poll
                }
                cursor.scanned = Math.max(cursor.scanned, cursor.settled);
                cursor.sent.headSet(cursor.settled, true).clear();
                return out;
            }
        });
    }

    private CompletableFuture<List<JsonNode>> search(ShardKey key, ObjectNode seqNoRange, List<Long> exclude) {
        ObjectNode body = ElasticsearchRest.JSON.createObjectNode();
        body.put("size", pageSize);
        body.put("seq_no_primary_term", true);
        body.putArray("sort").addObject().put("_seq_no", "asc");
        ObjectNode bool = body.putObject("query").putObject("bool");
        if (query != null && !query.isBlank()) {
            bool.putArray("must").add(SearchService.queryString(query));
        }
        bool.putArray("filter").add(seqNoRange);
        if (exclude != null && !exclude.isEmpty()) {
            ArrayNode terms = bool.putArray("must_not").addObject().putObject("terms").putArray("_seq_no");
            exclude.forEach(terms::add);
        }
        return es.post("/" + SearchService.encode(key.index()) + "/_search?preference=_shards:" + key.shard(), body)
                .thenApply(response -> {
                    List<JsonNode> hits = new ArrayList<>();
                    response.path("hits").path("hits").forEach(hits::add);
                    return hits;
                });
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    private static ObjectNode seqNoRange(long above, Long atMost) {
        ObjectNode root = ElasticsearchRest.JSON.createObjectNode();
        ObjectNode range = root.putObject("range").putObject("_seq_no").put("gt", above);
        if (atMost != null) {
            range.put("lte", atMost);
        }
        return root;
    }

    /** Each started shard of the indices matching the pattern, with what its copies report. */
    private CompletableFuture<List<ShardStats>> shards() {
        return es.get("/" + SearchService.encode(pattern) + "/_stats/refresh?level=shards&ignore_unavailable=true"
                        + "&allow_no_indices=true&filter_path=indices.*.uuid,indices.*.shards.*.routing,"
                        + "indices.*.shards.*.refresh,indices.*.shards.*.seq_no")
                .thenApply(LiveTail::shardStats);
    }

    static List<ShardStats> shardStats(JsonNode stats) {
        List<ShardStats> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> indices = stats.path("indices").fields(); indices.hasNext(); ) {
            Map.Entry<String, JsonNode> index = indices.next();
            String uuid = index.getValue().path("uuid").asText();
            for (Iterator<Map.Entry<String, JsonNode>> shards = index.getValue().path("shards").fields();
                 shards.hasNext(); ) {
                Map.Entry<String, JsonNode> shard = shards.next();
                long max = Long.MIN_VALUE;
                long checkpoint = Long.MAX_VALUE;
                Map<String, Long> refreshes = new HashMap<>();
                for (JsonNode copy : shard.getValue()) {
                    JsonNode routing = copy.path("routing");
                    if (!"STARTED".equals(routing.path("state").asText())) {
                        continue;
                    }
                    JsonNode seqNo = copy.path("seq_no");
                    max = Math.max(max, seqNo.path("max_seq_no").asLong(-1));
                    checkpoint = Math.min(checkpoint, seqNo.path("local_checkpoint").asLong(-1));
                    // searches read the external reader; internal refreshes (for real-time gets) show them nothing
                    JsonNode refresh = copy.path("refresh");
                    long count = refresh.has("external_total") ? refresh.path("external_total").asLong()
                            : refresh.path("total").asLong();
                    refreshes.put(routing.path("node").asText() + (routing.path("primary").asBoolean() ? "/p" : "/r"),
                            count);
                }
                if (!refreshes.isEmpty()) {
                    out.add(new ShardStats(new ShardKey(index.getKey(), Integer.parseInt(shard.getKey())), uuid, max,
                            checkpoint, Map.copyOf(refreshes)));
                }
            }
        }
        return out;
    }

    record ShardKey(String index, int shard) {
    }

    record ShardStats(ShardKey key, String uuid, long maxSeqNo, long localCheckpoint, Map<String, Long> refreshes) {
    }

    /** Where the tail is in one shard. */
    private static final class Cursor {
        final String uuid;
        /** Every matching line at or below this was sent (or predates the tail). */
        long settled;
        /** The highest sequence number a search has returned; the next search starts above it. */
        long scanned;
        /** Lines above {@link #settled} already sent. */
        final TreeSet<Long> sent = new TreeSet<>();
        Candidate candidate;

        Cursor(String uuid, long from) {
            this.uuid = uuid;
            this.settled = from;
            this.scanned = from;
        }
    }

    /** A local checkpoint to settle at once each copy has refreshed twice since it was read. */
    private record Candidate(long checkpoint, Map<String, Long> refreshes) {
        /** The same copies, none restarted (a restarted node counts its refreshes from 0 again). */
        boolean stillComparableWith(ShardStats now) {
            if (!refreshes.keySet().equals(now.refreshes().keySet())) {
                return false;
            }
            for (Map.Entry<String, Long> copy : refreshes.entrySet()) {
                if (now.refreshes().get(copy.getKey()) < copy.getValue()) {
                    return false;
                }
            }
            return true;
        }

        boolean visibleIn(ShardStats now) {
            for (Map.Entry<String, Long> copy : refreshes.entrySet()) {
                Long count = now.refreshes().get(copy.getKey());
                if (count == null || count < copy.getValue() + 2) {
                    return false;
                }
            }
            return true;
        }
    }
}
