package io.logpipe.indexer.prune;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.ExpandWildcard;
import co.elastic.clients.elasticsearch.indices.resolve_index.ResolveIndexItem;
import io.logpipe.indexer.prune.RetentionRule.Dated;
import io.logpipe.indexer.prune.RetentionRule.Undated;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies retention rules: resolves the concrete indices a rule's pattern names, decides for each, and deletes the
 * expired ones by their explicit names (so {@code action.destructive_requires_name: true}, the Elasticsearch 8
 * default, is no obstacle). Every decision that deletes, or would delete, is printed as an audit line.
 *
 * <p>What is never deleted: an index whose suffix is no date in the rule's format, today's or a future period's
 * index, a data stream's backing index, and anything the pattern reaches only through an alias (only concrete index
 * names are matched against the pattern).
 */
public final class Pruner {
    /** Deletions go in groups, so that a URL never grows past what proxies accept. */
    private static final int DELETE_BATCH = 50;

    private final Clock clock;
    private final PrintStream audit;
    private final boolean dryRun;

    public Pruner(Clock clock, PrintStream audit, boolean dryRun) {
        this.clock = clock;
        this.audit = audit;
        this.dryRun = dryRun;
    }

    /** What one rule did. */
    public record Outcome(RetentionRule rule, List<String> deleted, int kept, List<String> skipped) {
    }

    /** Runs every rule; throws on the first Elasticsearch error (after auditing what was already deleted). */
    public List<Outcome> run(List<RetentionRule> rules) throws IOException {
        List<Outcome> outcomes = new ArrayList<>();
        for (RetentionRule rule : rules) {
            ElasticsearchClient client = rule.connection().openClient();
            try {
                outcomes.add(apply(rule, client));
            } catch (IOException e) {
                throw new IOException("rule " + rule.name() + " on " + rule.connection().describe() + ": "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
            } finally {
                client._transport().close();
            }
        }
        return outcomes;
    }

    Outcome apply(RetentionRule rule, ElasticsearchClient client) throws IOException {
        Instant now = clock.instant();
        Instant cutoff = rule.cutoff(now);
        List<Expired> expired = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int kept = 0;
        for (ResolveIndexItem index : concreteIndices(rule, client)) {
            if (index.dataStream() != null) {
                skipped.add(index.name());
                audit.println("skip   index=" + index.name() + " reason=backing index of data stream " + index.dataStream()
                        + " rule=" + rule.name());
                continue;
            }
            RetentionRule.Match match = rule.match(index.name());
            if (match instanceof Dated dated) {
                RetentionRule.IndexDate date = dated.date();
                boolean currentOrFuture = !date.start().isBefore(currentPeriodStart(now, date.period()));
                if (!currentOrFuture && date.start().isBefore(cutoff)) {
                    expired.add(new Expired(index.name(), date));
                } else {
                    kept++;
                }
            } else if (match instanceof Undated undated) {
                skipped.add(index.name());
                audit.println("skip   index=" + index.name() + " reason=" + undated.reason() + " rule=" + rule.name());
            }
            // NotMatching: the wildcard reached it but the rule's shape does not; not ours
        }
        for (int from = 0; from < expired.size(); from += DELETE_BATCH) {
            List<Expired> batch = expired.subList(from, Math.min(expired.size(), from + DELETE_BATCH));
            if (!dryRun) {
                delete(client, batch.stream().map(Expired::index).toList());
            }
            for (Expired e : batch) {
                audit.println((dryRun ? "would delete" : "deleted") + " index=" + e.index() + " date=" + e.date().start()
                        + " rule=" + rule.describe() + " cutoff=" + cutoff);
            }
        }
        audit.println("rule " + rule.name() + ": " + expired.size() + (dryRun ? " would be deleted" : " deleted")
                + ", " + kept + " kept, " + skipped.size() + " skipped; cutoff " + cutoff + " on " + rule.connection().describe());
        return new Outcome(rule, expired.stream().map(Expired::index).toList(), kept, List.copyOf(skipped));
    }

    private record Expired(String index, RetentionRule.IndexDate date) {
    }

    /** Concrete indices (open or closed, not hidden) whose own name the pattern matches. */
    private static List<ResolveIndexItem> concreteIndices(RetentionRule rule, ElasticsearchClient client) throws IOException {
        return client.indices().resolveIndex(r -> r.name(rule.pattern())
                .expandWildcards(ExpandWildcard.Open, ExpandWildcard.Closed)).indices();
    }

    private static void delete(ElasticsearchClient client, List<String> names) throws IOException {
        try {
            client.indices().delete(d -> d.index(names).ignoreUnavailable(true));
        } catch (ElasticsearchException e) {
            throw new IOException("Elasticsearch refused to delete " + names + ": " + e.getMessage(), e);
        }
    }

    /** The start (UTC) of the period that contains now: its index and later ones are never deleted. */
    static Instant currentPeriodStart(Instant now, ChronoUnit period) {
        LocalDateTime t = LocalDateTime.ofInstant(now, ZoneOffset.UTC);
        LocalDateTime start = switch (period) {
            case MINUTES, HOURS, DAYS -> t.truncatedTo(period);
            case WEEKS -> t.truncatedTo(ChronoUnit.DAYS).with(TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY));
            case MONTHS -> t.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
            default -> t.truncatedTo(ChronoUnit.DAYS).withDayOfYear(1);
        };
        return start.toInstant(ZoneOffset.UTC);
    }
}
