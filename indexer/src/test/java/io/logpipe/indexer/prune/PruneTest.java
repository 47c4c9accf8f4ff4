package io.logpipe.indexer.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ExpandWildcard;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.indices.resolve_index.ResolveIndexItem;
import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/prune against a real Elasticsearch node: indices over 40 days under two patterns, plus names it must leave
 * alone. The clock is fixed at 2026-11-25T10:00Z; nginx.access-* keeps 5 days, top-*-log-* keeps 10 days.
 */
class PruneTest {
    static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final LocalDate TODAY = LocalDate.of(2026, 11, 25);
    static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd");

    static ElasticsearchClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void connect() {
        client = ElasticsearchNode.shared().client();
    }

    @AfterAll
    static void disconnect() throws Exception {
        client._transport().close();
    }

    /** Every index: 40 days back, today and tomorrow for both patterns, and the names no rule may take. */
    static List<String> createIndices(ElasticsearchClient es) throws Exception {
        List<String> names = new ArrayList<>();
        for (int back = -1; back <= 40; back++) {
            String day = TODAY.minusDays(back).format(DAY);
            names.add("nginx.access-" + day);
            if (back % 2 == 0 || back == 9) {
                names.add("top-web-log-" + day);
            }
            if (List.of(-1, 0, 9, 10, 25).contains(back)) {
                names.add("top-db-log-" + day);
            }
        }
        names.addAll(List.of(
                "nginx.error-2026.10.01",          // another pattern
                "metrics-2026.10.01",              // no rule
                "nginx.access-backup",             // suffix is no date
                "nginx.access-2026.13.01",         // month 13
                "top-web-log-latest",              // suffix is no date
                "keep-archive-2020"));             // reached only through an alias (below)
        List<BulkOperation> ops = new ArrayList<>();
        for (String name : names) {
            ops.add(BulkOperation.of(b -> b.index(i -> i.index(name).document(Map.of("message", name)))));
        }
        var bulk = es.bulk(b -> b.operations(ops).refresh(Refresh.True));
        assertTrue(!bulk.errors(), "setup bulk failed");
        es.indices().updateAliases(u -> u.actions(a -> a.add(add -> add.index("keep-archive-2020").alias("nginx.access-2020.01.01"))));
        es.indices().close(c -> c.index("nginx.access-" + TODAY.minusDays(30).format(DAY)));
        // A data stream whose name looks like an old daily index: neither it nor its backing index is ours.
        es.indices().putIndexTemplate(t -> t.name("prune-test-ds").indexPatterns("nginx.access-ds-*")
                .dataStream(ds -> ds).priority(500L));
        es.index(i -> i.index("nginx.access-ds-2026.10.01").document(Map.of("@timestamp", "2026-10-01T00:00:00Z"))
                .opType(co.elastic.clients.elasticsearch._types.OpType.Create).refresh(Refresh.True));
        return names;
    }

    static Set<String> allIndices(ElasticsearchClient es) throws Exception {
        return es.indices().resolveIndex(r -> r.name("*").expandWildcards(ExpandWildcard.Open, ExpandWildcard.Closed))
                .indices().stream().map(ResolveIndexItem::name).collect(Collectors.toCollection(TreeSet::new));
    }

    Path retentionFile(String hosts) throws Exception {
        Path file = dir.resolve("retention.yml");
        Files.writeString(file, """
                elasticsearch:
                  hosts: ["%s"]
                rules:
                  - name: nginx
                    pattern: "nginx.access-*"
                    date_format: "yyyy.MM.dd"
                    keep: 5d
                  - name: top-logs
                    pattern: "top-*-log-*"
                    date_format: "yyyy.MM.dd"
                    keep: 10d
                """.formatted(hosts));
        return file;
    }

    record Run(int exit, String out, String err) {
        List<String> lines(String prefix) {
            return Arrays.stream(out.split("\n")).filter(l -> l.startsWith(prefix)).toList();
        }
    }

    static Run prune(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Prune.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), CLOCK);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void deletesExactlyTheExpiredIndicesThenNothingOnTheSecondRun() throws Exception {
        List<String> created = createIndices(client);
        Set<String> expected = new TreeSet<>();
        for (int back = 5; back <= 40; back++) {       // 2026.11.20 starts before the cutoff 2026-11-20T10:00Z
            expected.add("nginx.access-" + TODAY.minusDays(back).format(DAY));
        }
        for (String name : created) {
            if (name.startsWith("top-") && name.matches("top-(web|db)-log-\\d{4}\\.\\d{2}\\.\\d{2}")
                    && LocalDate.parse(name.substring(name.length() - 10), DAY).isBefore(TODAY.minusDays(9))) {
                expected.add(name);  // 2026.11.15 starts before the cutoff 2026-11-15T10:00Z
            }
        }
        assertEquals(18, expected.stream().filter(n -> n.startsWith("top-")).count());
        Path config = retentionFile(ElasticsearchNode.shared().url());

        Run dry = prune("-c", config.toString(), "--dry-run");
        assertEquals(0, dry.exit(), dry.err());
        assertEquals(expected, dry.lines("would delete").stream()
                .map(l -> l.replaceFirst("would delete index=(\\S+).*", "$1")).collect(Collectors.toCollection(TreeSet::new)));
        assertTrue(allIndices(client).containsAll(created), "a dry run deletes nothing");

        Run first = prune("-c", config.toString());
        assertEquals(0, first.exit(), first.err());
        Set<String> deleted = first.lines("deleted index=").stream()
                .map(l -> l.replaceFirst("deleted index=(\\S+).*", "$1")).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, deleted);
        Set<String> remaining = new TreeSet<>(created);
        remaining.removeAll(expected);
        assertEquals(remaining, allIndices(client).stream().filter(created::contains).collect(Collectors.toCollection(TreeSet::new)));
        assertTrue(remaining.containsAll(List.of("nginx.access-backup", "nginx.access-2026.13.01", "top-web-log-latest",
                "keep-archive-2020", "nginx.error-2026.10.01", "metrics-2026.10.01",
                "nginx.access-" + TODAY.format(DAY), "nginx.access-" + TODAY.plusDays(1).format(DAY))));
        String audit = first.lines("deleted index=nginx.access-2026.10.16").get(0);
        assertTrue(audit.contains("date=2026-10-16T00:00:00Z") && audit.contains("rule=nginx")
                && audit.contains("cutoff=2026-11-20T10:00:00Z"), audit);
        assertTrue(first.out().contains("skip   index=nginx.access-backup"), first.out());

        var dataStream = client.indices().resolveIndex(r -> r.name("nginx.access-ds-*")
                .expandWildcards(ExpandWildcard.All));
        assertEquals(1, dataStream.dataStreams().size(), "the data stream is still there");
        assertEquals(1, dataStream.dataStreams().get(0).backingIndices().size(), "with its backing index");
        String backing = dataStream.dataStreams().get(0).backingIndices().get(0);
        assertTrue(client.indices().exists(e -> e.index(backing)).value(), backing + " still exists");

        Run second = prune("-c", config.toString());
        assertEquals(0, second.exit(), second.err());
        assertEquals(List.of(), second.lines("deleted"));
        assertTrue(second.out().contains("prune: 2 rule(s), 0 index(es) deleted"), second.out());
    }

    @Test
    void oneRuleFromFlagsWorksAgainstSecuredElasticsearch() throws Exception {
        ElasticsearchNode secured = ElasticsearchNode.sharedSecured();
        ElasticsearchClient es = secured.client();
        try {
            for (String name : List.of("top-app-log-2026.11.01", "top-app-log-2026.11.24")) {
                es.indices().create(c -> c.index(name));
            }
            Run wrong = prune("--hosts", secured.url(), "--pattern", "top-*-log-*", "--date-format", "yyyy.MM.dd",
                    "--keep", "5d", "--user", ElasticsearchNode.SECURED_USER, "--password", "wrong");
            assertEquals(1, wrong.exit());
            assertTrue(wrong.err().contains("prune: Elasticsearch error"), wrong.err());

            Run run = prune("--hosts", secured.url(), "--pattern", "top-*-log-*", "--date-format", "yyyy.MM.dd",
                    "--keep", "5d", "--user", ElasticsearchNode.SECURED_USER,
                    "--password", ElasticsearchNode.SECURED_PASSWORD);
            assertEquals(0, run.exit(), run.err());
            assertEquals(1, run.lines("deleted index=top-app-log-2026.11.01").size(), run.out());
            assertEquals(Set.of("top-app-log-2026.11.24"), es.indices().resolveIndex(r -> r.name("top-app-log-*"))
                    .indices().stream().map(ResolveIndexItem::name).collect(Collectors.toSet()));
        } finally {
            es._transport().close();
        }
    }

    @Test
    void elasticsearchDownIsAClearErrorAndANonZeroExit() {
        String nowhere = "http://127.0.0.1:" + FreePorts.pick();
        Run run = prune("--hosts", nowhere, "--pattern", "nginx.access-*", "--date-format", "yyyy.MM.dd", "--keep", "5d");
        assertEquals(1, run.exit());
        assertTrue(run.err().startsWith("prune: Elasticsearch error"), run.err());
        assertTrue(run.err().contains("Connection refused"), run.err());
    }

    @Test
    void badArgumentsExitWithUsageErrors() {
        assertEquals(2, prune("--frobnicate").exit());
        assertEquals(2, prune().exit());
        Run missing = prune("--hosts", "http://127.0.0.1:9200", "--pattern", "x-*");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("missing --date-format, --keep"), missing.err());
        Run keep = prune("--hosts", "http://127.0.0.1:9200", "--pattern", "x-*", "--date-format", "yyyy.MM.dd", "--keep", "5 days");
        assertEquals(2, keep.exit());
        assertTrue(keep.err().contains("--keep '5 days' is not an age"), keep.err());
        Run help = prune("--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().startsWith("Usage: bin/prune"));
    }
}
