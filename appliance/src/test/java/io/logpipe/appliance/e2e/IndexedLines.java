package io.logpipe.appliance.e2e;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.ScrollResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What Elasticsearch holds of the test's lines, read back through its API. */
final class IndexedLines {
    static final String INDEX = "e2e-logs";
    private final ElasticsearchClient client;

    IndexedLines(ElasticsearchClient client) {
        this.client = client;
    }

    /**
     * Mappings a user would have: {@code status} is a number, so a line giving it as text is a mapping conflict.
     * {@code replicas} copies of the one shard besides the primary; the refresh is Elasticsearch's default (1 s).
     */
    void createTemplate(int replicas) throws IOException {
        client.indices().putIndexTemplate(t -> t.name("e2e").indexPatterns("e2e-*").template(tt -> tt
                .settings(s -> s.numberOfShards("1").numberOfReplicas(Integer.toString(replicas)))
                .mappings(m -> m.withJson(new StringReader(
                        "{\"properties\":{\"status\":{\"type\":\"long\"},\"json_n\":{\"type\":\"long\"},\"kind\":{\"type\":\"keyword\"}}}")))));
    }

    /** Searchable documents of numbered lines; -1 while Elasticsearch or the index is not there. */
    long numberedLines() {
        return count("{\"match\":{\"message\":\"seq\"}}");
    }

    long jsonLines() {
        return count("{\"term\":{\"kind\":\"json\"}}");
    }

    /** Whether the probe line {@code text} is searchable. */
    boolean searchable(String text) {
        return count("{\"match_phrase\":{\"message\":\"" + text + "\"}}") > 0;
    }

    private long count(String query) {
        try {
            return client.count(c -> c.index(INDEX).query(q -> q.withJson(new StringReader(query)))).count();
        } catch (Exception notYet) {
            return -1;
        }
    }

    /** Every numbered line in the index, read with a scroll after a refresh. */
    Scan scan() throws IOException {
        client.indices().refresh(r -> r.index(INDEX));
        Scan scan = new Scan();
        SearchResponse<Map> first = client.search(s -> s.index(INDEX).size(5000).scroll(t -> t.time("2m"))
                .query(q -> q.withJson(new StringReader("{\"match\":{\"message\":\"seq\"}}")))
                .source(src -> src.filter(f -> f.includes("message", "log.flags"))), Map.class);
        List<Hit<Map>> hits = first.hits().hits();
        String scrollId = first.scrollId();
        while (!hits.isEmpty()) {
            for (Hit<Map> hit : hits) {
                scan.add(hit.source());
            }
            String id = scrollId;
            ScrollResponse<Map> next = client.scroll(r -> r.scrollId(id).scroll(t -> t.time("2m")), Map.class);
            hits = next.hits().hits();
            scrollId = next.scrollId();
        }
        String id = scrollId;
        client.clearScroll(c -> c.scrollId(id));
        return scan;
    }

    /** The numbers found, how often, and the documents of the bad input. */
    static final class Scan {
        final BitSet seen = new BitSet();
        long documents;
        long repeated;
        final Map<Long, Map<?, ?>> special = new HashMap<>();

        void add(Map<?, ?> source) {
            documents++;
            String message = String.valueOf(source.get("message"));
            long seq = SequencedLog.sequenceOf(message);
            if (seq < 0) {
                return;
            }
            if (seen.get((int) seq)) {
                repeated++;
            }
            seen.set((int) seq);
            if (seq == SequencedLog.INVALID_UTF8 || seq == SequencedLog.OVERSIZED || seq == SequencedLog.AFTER_NULS) {
                special.put(seq, source);
            }
        }

        long distinct() {
            return seen.cardinality();
        }

        /** Numbers below {@code lines} that are missing (at most 20 listed). */
        List<Long> missing(long lines) {
            List<Long> out = new ArrayList<>();
            for (int i = seen.nextClearBit(0); i < lines && out.size() < 20; i = seen.nextClearBit(i + 1)) {
                out.add((long) i);
            }
            return out;
        }
    }
}
