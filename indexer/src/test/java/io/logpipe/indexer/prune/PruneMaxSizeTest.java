package io.logpipe.indexer.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.Bytes;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch.cat.indices.IndicesRecord;
import io.logpipe.indexer.es.ElasticsearchConnection;
import io.logpipe.testkit.ElasticsearchNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@code max_size} and the disk guard against a real node: past the pattern's total size, or while the node's disk
 * is fuller than the guard allows, the oldest covered indices go, the current one never.
 */
class PruneMaxSizeTest {
    @Test
    void deletesTheOldestIndicesOfThePatternUntilItsTotalIsUnderMaxSize() throws Exception {
        ElasticsearchNode node = ElasticsearchNode.shared();
        ElasticsearchClient client = node.client();
        try {
            List<String> days = List.of("2026.11.21", "2026.11.22", "2026.11.23", "2026.11.24", "2026.11.25");
            for (String day : days) {
                String index = "sized-" + day;
                client.bulk(b -> {
                    b.refresh(Refresh.True);
                    for (int i = 0; i < 200; i++) {
                        int n = i;
                        b.operations(op -> op.index(x -> x.index(index).document(Map.of("n", n, "text",
                                "line " + n + " of " + day + " " + "x".repeat(100)))));
                    }
                    return b;
                });
                client.indices().flush(f -> f.index(index));
            }
            Map<String, Long> sizes = new TreeMap<>();
            for (IndicesRecord r : client.cat().indices(c -> c.index("sized-*").bytes(Bytes.Bytes)).valueBody()) {
                sizes.put(r.index(), Long.parseLong(r.storeSize()));
            }
            // Room for the three newest: the two oldest must go, although the age rule (a year) keeps them.
            long limit = sizes.get("sized-2026.11.23") + sizes.get("sized-2026.11.24") + sizes.get("sized-2026.11.25");
            RetentionRule rule = new RetentionRule("sized", "sized-*", "yyyy.MM.dd", Duration.ofDays(365),
                    ElasticsearchConnection.of(List.of(node.url()), null, null, null, List.of()), limit);
            ByteArrayOutputStream audit = new ByteArrayOutputStream();
            Pruner pruner = new Pruner(PruneTest.CLOCK, new PrintStream(audit, true, StandardCharsets.UTF_8), false);

            Pruner.Outcome outcome = pruner.run(List.of(rule)).get(0);

            String log = audit.toString(StandardCharsets.UTF_8);
            assertEquals(List.of("sized-2026.11.21", "sized-2026.11.22"), outcome.deleted(), log);
            assertTrue(log.contains("deleted index=sized-2026.11.21") && log.contains("over max_size"), log);
            List<String> left = client.cat().indices(c -> c.index("sized-*")).valueBody().stream()
                    .map(IndicesRecord::index).sorted().toList();
            assertEquals(List.of("sized-2026.11.23", "sized-2026.11.24", "sized-2026.11.25"), left);

            // A limit today's index alone exceeds deletes everything older, never today's.
            RetentionRule tiny = new RetentionRule("sized", "sized-*", "yyyy.MM.dd", Duration.ofDays(365),
                    rule.connection(), 1);
            assertEquals(List.of("sized-2026.11.23", "sized-2026.11.24"), pruner.run(List.of(tiny)).get(0).deleted());
            assertEquals(List.of("sized-2026.11.25"), client.cat().indices(c -> c.index("sized-*")).valueBody().stream()
                    .map(IndicesRecord::index).toList());
        } finally {
            client._transport().close();
        }
    }

    @Test
    void theDiskGuardDeletesTheOldestCoveredIndicesWhileTheDiskIsFullerThanAllowed() throws Exception {
        ElasticsearchNode node = ElasticsearchNode.shared();
        ElasticsearchClient client = node.client();
        try {
            for (String day : List.of("2026.11.25", "2026.11.20", "2026.11.22", "2026.11.24")) {
                client.index(i -> i.index("guarded-" + day).document(Map.of("day", day)).refresh(Refresh.True));
            }
            client.index(i -> i.index("unruled-2026.11.01").document(Map.of("n", 1)).refresh(Refresh.True));
            RetentionRule rule = new RetentionRule("guarded", "guarded-*", "yyyy.MM.dd", Duration.ofDays(365),
                    ElasticsearchConnection.of(List.of(node.url()), null, null, null, List.of()));
            ByteArrayOutputStream audit = new ByteArrayOutputStream();
            Pruner pruner = new Pruner(PruneTest.CLOCK, new PrintStream(audit, true, StandardCharsets.UTF_8), false);

            // The build disk is far from 99.9% used: nothing goes.
            assertEquals(List.of(), pruner.guardDisk(List.of(rule), 99.9));
            // Any real disk is more than 0.001% used: the guard deletes covered indices oldest first, and stops at
            // the current one, which it never deletes, saying so.
            assertEquals(List.of("guarded-2026.11.20", "guarded-2026.11.22", "guarded-2026.11.24"),
                    pruner.guardDisk(List.of(rule), 0.001));
            String log = audit.toString(StandardCharsets.UTF_8);
            assertTrue(log.contains("deleted index=guarded-2026.11.20 date=2026-11-20T00:00:00Z reason=disk guard: the"
                    + " disk is "), log);
            assertTrue(log.contains("no index left that a rule covers"), log);
            assertEquals(List.of("guarded-2026.11.25"), client.cat().indices(c -> c.index("guarded-*")).valueBody()
                    .stream().map(IndicesRecord::index).toList());
            assertTrue(client.indices().exists(e -> e.index("unruled-2026.11.01")).value(), "no rule covers it");
        } finally {
            client._transport().close();
        }
    }
}
