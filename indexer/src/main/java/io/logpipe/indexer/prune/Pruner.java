package io.logpipe.indexer.prune;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.Bytes;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.ExpandWildcard;
import co.elastic.clients.elasticsearch.cat.indices.IndicesRecord;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
        List<Expired> keptDated = new ArrayList<>();
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
                    expired.add(new Expired(index.name(), date, "older than the cutoff"));
                } else {
                    kept++;
                    keptDated.add(new Expired(index.name(), date, null));
                }
            } else if (match instanceof Undated undated) {
                skipped.add(index.name());
                audit.println("skip   index=" + index.name() + " reason=" + undated.reason() + " rule=" + rule.name());
            }
            // NotMatching: the wildcard reached it but the rule's shape does not; not ours
        }
        if (rule.maxSizeBytes() > 0 && !keptDated.isEmpty()) {
            List<Expired> oversize = overSize(rule, client, keptDated, now);
            expired.addAll(oversize);
            kept -= oversize.size();
        }
        for (int from = 0; from < expired.size(); from += DELETE_BATCH) {
            List<Expired> batch = expired.subList(from, Math.min(expired.size(), from + DELETE_BATCH));
            if (!dryRun) {
                delete(client, batch.stream().map(Expired::index).toList());
            }
            for (Expired e : batch) {
                audit.println((dryRun ? "would delete" : "deleted") + " index=" + e.index() + " date=" + e.date().start()
                        + " rule=" + rule.describe() + " cutoff=" + cutoff + " reason=" + e.reason());
            }
        }
        audit.println("rule " + rule.name() + ": " + expired.size() + (dryRun ? " would be deleted" : " deleted")
                + ", " + kept + " kept, " + skipped.size() + " skipped; cutoff " + cutoff + " on " + rule.connection().describe());
        return new Outcome(rule, expired.stream().map(Expired::index).toList(), kept, List.copyOf(skipped));
    }

    private record Expired(String index, RetentionRule.IndexDate date, String reason) {
    }

    /**
     * The disk guard: while the data disks of the rules' cluster are more than {@code maxUsedPercent} used, deletes
     * the oldest index any rule covers (never a current period's), oldest first over all rules, each deletion
     * audited like the others. The space an index frees is taken from its store size, as the node's disk figures
     * lag behind deletions. Returns the names deleted.
     */
    public List<String> guardDisk(List<RetentionRule> rules, double maxUsedPercent) throws IOException {
        if (rules.isEmpty()) {
            return List.of();
        }
        ElasticsearchClient client = rules.get(0).connection().openClient();
        try {
            long total = 0;
            long available = 0;
            for (var node : client.nodes().stats(s -> s.metric("fs")).nodes().values()) {
                if (node.fs() != null && node.fs().total() != null) {
                    total += node.fs().total().totalInBytes() == null ? 0 : node.fs().total().totalInBytes();
                    available += node.fs().total().availableInBytes() == null ? 0 : node.fs().total().availableInBytes();
                }
            }
            if (total == 0) {
                return List.of();
            }
            long allowed = (long) (total * maxUsedPercent / 100);
            long used = total - available;
            if (used <= allowed) {
                return List.of();
            }
            Instant now = clock.instant();
            List<Expired> candidates = new ArrayList<>();
            Map<String, Long> sizes = new HashMap<>();
            for (RetentionRule rule : rules) {
                for (ResolveIndexItem index : concreteIndices(rule, client)) {
                    if (index.dataStream() == null && rule.match(index.name()) instanceof Dated dated
                            && dated.date().start().isBefore(currentPeriodStart(now, dated.date().period()))) {
                        candidates.add(new Expired(index.name(), dated.date(), null));
                    }
                }
                for (IndicesRecord record : client.cat().indices(c -> c.index(rule.pattern()).bytes(Bytes.Bytes)
                        .expandWildcards(ExpandWildcard.Open, ExpandWildcard.Closed)).valueBody()) {
                    sizes.put(record.index(), record.storeSize() == null ? 0 : Long.parseLong(record.storeSize()));
                }
            }
            candidates.sort(Comparator.comparing((Expired e) -> e.date().start()));
            List<String> deleted = new ArrayList<>();
            for (Expired e : candidates) {
                if (used <= allowed || deleted.contains(e.index())) {
                    continue;
                }
                String percent = String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * used / total);
                if (!dryRun) {
                    delete(client, List.of(e.index()));
                }
                audit.println((dryRun ? "would delete" : "deleted") + " index=" + e.index() + " date=" + e.date().start()
                        + " reason=disk guard: the disk is " + percent + " used, over max_used " + maxUsedPercent + "%");
                deleted.add(e.index());
                used -= sizes.getOrDefault(e.index(), 0L);
            }
            if (used > allowed) {
                audit.println("disk guard: the disk stays over max_used " + maxUsedPercent + "% with no index left"
                        + " that a rule covers and that is not the current one; free space or add a rule");
            }
            return deleted;
        } finally {
            client._transport().close();
        }
    }

    /**
     * max_size: the oldest of the kept indices that must go for the pattern's total store size (primaries and
     * replicas, as the disk holds them) to be at most the rule's limit. The current period's index always stays.
     */
    private static List<Expired> overSize(RetentionRule rule, ElasticsearchClient client, List<Expired> kept, Instant now)
            throws IOException {
        Map<String, Long> sizes = new HashMap<>();
        for (IndicesRecord record : client.cat().indices(c -> c.index(rule.pattern()).bytes(Bytes.Bytes)
                .expandWildcards(ExpandWildcard.Open, ExpandWildcard.Closed)).valueBody()) {
            sizes.put(record.index(), record.storeSize() == null ? 0 : Long.parseLong(record.storeSize()));
        }
        long total = kept.stream().mapToLong(e -> sizes.getOrDefault(e.index(), 0L)).sum();
        List<Expired> oldestFirst = new ArrayList<>(kept);
        oldestFirst.sort(Comparator.comparing((Expired e) -> e.date().start()));
        List<Expired> over = new ArrayList<>();
        for (Expired e : oldestFirst) {
            if (total <= rule.maxSizeBytes()) {
                break;
            }
            if (!e.date().start().isBefore(currentPeriodStart(now, e.date().period()))) {
                continue;
            }
            long size = sizes.getOrDefault(e.index(), 0L);
            over.add(new Expired(e.index(), e.date(), "the pattern's " + RetentionRule.formatSize(total)
                    + " is over max_size " + RetentionRule.formatSize(rule.maxSizeBytes()) + "; oldest first"));
            total -= size;
        }
        return over;
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
