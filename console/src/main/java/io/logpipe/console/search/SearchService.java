package io.logpipe.console.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logpipe.console.ApiException;
import io.logpipe.console.es.ElasticsearchRest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Discover's searches over Elasticsearch's REST API: a Lucene query string within a time range over an index
 * pattern, with a date histogram of all matches and the newest hits; the lines around a hit from the same host and
 * file by {@code log.offset}. The live tail is {@link LiveTail}.
 */
public final class SearchService {
    public static final String TIME = "@timestamp";
    private static final String HOST = "host.name";
    private static final String FILE = "log.file.path";
    private static final String OFFSET = "log.offset";

    private final ElasticsearchRest es;

    public SearchService(ElasticsearchRest es) {
        this.es = es;
    }

    /** A search request as the page (or a script) sends it. */
    public record Query(String index, String query, TimeRange range, int size) {
    }

    public CompletableFuture<ObjectNode> search(Query q) {
        ObjectNode body = ElasticsearchRest.JSON.createObjectNode();
        body.put("size", q.size());
        body.put("track_total_hits", true);
        body.putArray("sort").addObject().putObject(TIME).put("order", "desc").put("unmapped_type", "date");
        body.set("query", filtered(q.query(), range(q.range().from(), true, q.range().to())));
        Duration interval = q.range().interval();
        ObjectNode histogram = body.putObject("aggs").putObject("histogram").putObject("date_histogram");
        histogram.put("field", TIME).put("fixed_interval", interval.toSeconds() + "s").put("min_doc_count", 0);
        histogram.putObject("extended_bounds").put("min", q.range().from().toEpochMilli())
                .put("max", q.range().to().toEpochMilli());
        long started = System.nanoTime();
        return es.post("/" + encode(q.index()) + "/_search?ignore_unavailable=true&allow_no_indices=true", body)
                .thenApply(response -> {
                    ObjectNode out = ElasticsearchRest.JSON.createObjectNode();
                    shardFailures(response, out);
                    out.put("total", response.path("hits").path("total").path("value").asLong());
                    out.put("took_ms", (System.nanoTime() - started) / 1_000_000);
                    out.put("interval_ms", interval.toMillis());
                    out.put("from", q.range().from().toString()).put("to", q.range().to().toString());
                    ArrayNode buckets = out.putArray("buckets");
                    for (JsonNode b : response.path("aggregations").path("histogram").path("buckets")) {
                        buckets.addObject().put("t", b.path("key").asLong()).put("count", b.path("doc_count").asLong());
                    }
                    out.set("hits", hits(response));
                    return out;
                });
    }

    /**
     * The {@code size} lines before and after a hit from the same host and file, by {@code log.offset}, within a day
     * of its time (a rotated file starts its offsets again). Lines come oldest first; the hit itself is among them.
     */
    public CompletableFuture<ObjectNode> surrounding(String pattern, String index, String id, int size) {
        ObjectNode ids = ElasticsearchRest.JSON.createObjectNode();
        ids.putObject("query").putObject("ids").putArray("values").add(id);
        return es.post("/" + encode(index) + "/_search", ids).thenCompose(found -> {
            JsonNode hit = found.path("hits").path("hits").path(0);
            if (hit.isMissingNode()) {
                throw new IllegalArgumentException("no document " + id + " in " + index);
            }
            JsonNode source = hit.path("_source");
            String host = field(source, HOST);
            String file = field(source, FILE);
            String offsetText = field(source, OFFSET);
            if (host == null || file == null || offsetText == null) {
                throw new IllegalArgumentException("this line has no host.name, log.file.path and log.offset, so "
                        + "there are no surrounding lines to find");
            }
            long offset = Long.parseLong(offsetText);
            Instant at = Instant.parse(field(source, TIME));
            return keywordFields(pattern).thenCompose(keyword -> {
                CompletableFuture<JsonNode> before = es.post(searchPath(pattern),
                        contextQuery(keyword, host, file, at, "lt", offset, "desc", size));
                CompletableFuture<JsonNode> after = es.post(searchPath(pattern),
                        contextQuery(keyword, host, file, at, "gt", offset, "asc", size));
                return before.thenCombine(after, (b, a) -> {
                    ObjectNode out = ElasticsearchRest.JSON.createObjectNode();
                    out.put("host", host).put("file", file).put("offset", offset);
                    ArrayNode lines = out.putArray("lines");
                    ArrayNode earlier = hits(b);
                    for (int i = earlier.size() - 1; i >= 0; i--) {
                        lines.add(earlier.get(i));
                    }
                    ArrayNode self = hits(found);
                    ((ObjectNode) self.get(0)).put("anchor", true);
                    lines.add(self.get(0));
                    lines.addAll(hits(a));
                    return out;
                });
            });
        });
    }

    /** Which names to filter host and file on exactly: the keyword field itself or its {@code .keyword} subfield. */
    private CompletableFuture<String[]> keywordFields(String pattern) {
        String fields = String.join(",", HOST, HOST + ".keyword", FILE, FILE + ".keyword");
        return es.get("/" + encode(pattern) + "/_field_caps?ignore_unavailable=true&allow_no_indices=true&fields="
                + fields).thenApply(caps -> new String[] {keyword(caps, HOST), keyword(caps, FILE)});
    }

    private static String keyword(JsonNode caps, String field) {
        return caps.path("fields").path(field).has("keyword") ? field : field + ".keyword";
    }

    private static ObjectNode contextQuery(String[] keyword, String host, String file, Instant at, String op,
                                           long offset, String order, int size) {
        ObjectNode body = ElasticsearchRest.JSON.createObjectNode();
        body.put("size", size);
        body.putArray("sort").addObject().putObject(OFFSET).put("order", order).put("unmapped_type", "long");
        ArrayNode filter = body.putObject("query").putObject("bool").putArray("filter");
        filter.addObject().putObject("term").put(keyword[0], host);
        filter.addObject().putObject("term").put(keyword[1], file);
        filter.addObject().putObject("range").putObject(OFFSET).put(op, offset);
        filter.add(range(at.minus(Duration.ofDays(1)), true, at.plus(Duration.ofDays(1))));
        return body;
    }

    private static ObjectNode filtered(String query, ObjectNode range) {
        ObjectNode root = ElasticsearchRest.JSON.createObjectNode();
        ObjectNode bool = root.putObject("bool");
        if (query != null && !query.isBlank()) {
            bool.putArray("must").add(queryString(query));
        }
        bool.putArray("filter").add(range);
        return root;
    }

    /** A Lucene query string as Kibana runs it: over all fields, wildcards analyzed. */
    static ObjectNode queryString(String query) {
        ObjectNode root = ElasticsearchRest.JSON.createObjectNode();
        root.putObject("query_string").put("query", query).put("analyze_wildcard", true).put("default_field", "*");
        return root;
    }

    private static ObjectNode range(Instant from, boolean inclusive, Instant to) {
        ObjectNode range = ElasticsearchRest.JSON.createObjectNode();
        ObjectNode time = range.putObject("range").putObject(TIME);
        time.put(inclusive ? "gte" : "gt", from.toString());
        if (to != null) {
            time.put("lte", to.toString());
        }
        time.put("format", "strict_date_optional_time");
        return range;
    }

    /** Each hit as the page lists it: where it is, its time, host, file, offset and message, and all fields. */
    static ArrayNode hits(JsonNode response) {
        ArrayNode out = ElasticsearchRest.JSON.createArrayNode();
        for (JsonNode hit : response.path("hits").path("hits")) {
            out.add(row(hit));
        }
        return out;
    }

    /** One hit as the page lists it. */
    static ObjectNode row(JsonNode hit) {
        JsonNode source = hit.path("_source");
        ObjectNode row = ElasticsearchRest.JSON.createObjectNode();
        row.put("_index", hit.path("_index").asText()).put("_id", hit.path("_id").asText());
        row.put(TIME, field(source, TIME));
        row.put("host", field(source, HOST));
        row.put("file", field(source, FILE));
        String offset = field(source, OFFSET);
        if (offset != null) {
            row.put("offset", Long.parseLong(offset));
        }
        row.put("message", field(source, "message"));
        row.set("_source", source);
        return row;
    }

    /**
     * Elasticsearch answers 200 when only some shards failed (a query that does not parse fails on the shards it
     * reaches; those whose times lie outside the range are skipped unparsed). No shard answering is the user's
     * error, said in Elasticsearch's words; some failing is a warning beside the hits.
     */
    private static void shardFailures(JsonNode response, ObjectNode out) {
        JsonNode shards = response.path("_shards");
        int failed = shards.path("failed").asInt();
        if (failed == 0) {
            return;
        }
        JsonNode first = shards.path("failures").path(0).path("reason");
        String reason = first.path("type").asText() + ": " + first.path("reason").asText()
                + (first.has("caused_by") ? " (" + first.path("caused_by").path("reason").asText() + ")" : "");
        if (shards.path("successful").asInt() - shards.path("skipped").asInt() <= 0) {
            throw new ApiException(400, reason);
        }
        out.put("warning", failed + " of " + shards.path("total").asInt() + " shards failed: " + reason);
    }

    /** A field by its dotted name, whether written nested ({"log":{"offset":1}}) or flat ({"log.offset":1}). */
    static String field(JsonNode source, String dotted) {
        JsonNode flat = source.get(dotted);
        if (flat != null && !flat.isNull()) {
            return flat.isValueNode() ? flat.asText() : flat.toString();
        }
        JsonNode node = source;
        for (String part : dotted.split("\\.")) {
            node = node.path(part);
        }
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        return node.isValueNode() ? node.asText() : node.toString();
    }

    private static String searchPath(String pattern) {
        return "/" + encode(pattern) + "/_search?ignore_unavailable=true&allow_no_indices=true";
    }

    static String encode(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("%2A", "*").replace("%2C", ",");
    }
}
