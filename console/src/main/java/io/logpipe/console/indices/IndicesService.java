package io.logpipe.console.indices;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logpipe.common.config.ConfigException;
import io.logpipe.console.es.ElasticsearchRest;
import io.logpipe.indexer.prune.RetentionConfig;
import io.logpipe.indexer.prune.RetentionRule;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Indices with documents, size and the date in their name; each retention rule of {@code retention.yml} with the
 * indices it will delete next and when (its daily run after their period plus keep has passed, as the pruner
 * decides); and the disk use of each Elasticsearch data path.
 */
public final class IndicesService {
    private final ElasticsearchRest es;
    private final Path retentionFile;
    private final Function<String, String> environment;
    private final Clock clock;

    public IndicesService(ElasticsearchRest es, Path retentionFile, Function<String, String> environment, Clock clock) {
        this.es = es;
        this.retentionFile = retentionFile;
        this.environment = environment;
        this.clock = clock;
    }

    public CompletableFuture<ObjectNode> overview() {
        CompletableFuture<JsonNode> cat = es.get("/_cat/indices?format=json&bytes=b&expand_wildcards=open"
                + "&h=index,health,status,docs.count,store.size,creation.date.string");
        CompletableFuture<JsonNode> fs = es.get("/_nodes/stats/fs");
        return cat.thenCombine(fs, (indices, nodes) -> {
            ObjectNode out = ElasticsearchRest.JSON.createObjectNode();
            Instant now = clock.instant();
            RetentionConfig.Loaded retention = null;
            if (Files.exists(retentionFile)) {
                ByteArrayOutputStream warnings = new ByteArrayOutputStream();
                try {
                    retention = RetentionConfig.load(retentionFile, environment,
                            new PrintStream(warnings, true, StandardCharsets.UTF_8));
                } catch (ConfigException e) {
                    out.put("retention_problem", e.getMessage());
                }
            } else {
                out.put("retention_problem", retentionFile + " does not exist: no retention rules, nothing is deleted");
            }
            ArrayNode list = out.putArray("indices");
            for (JsonNode i : indices) {
                if (i.path("index").asText().startsWith(".")) {
                    continue;
                }
                ObjectNode row = list.addObject();
                row.put("index", i.path("index").asText()).put("health", i.path("health").asText())
                        .put("docs", i.path("docs.count").asLong()).put("bytes", i.path("store.size").asLong());
                if (retention != null) {
                    for (RetentionRule rule : retention.rules()) {
                        if (rule.match(row.path("index").asText()) instanceof RetentionRule.Dated dated) {
                            row.put("date", dated.date().start().toString()).put("rule", rule.name());
                            row.put("deleted_at", deletion(dated.date().start(), rule, retention, now).toString());
                        }
                    }
                }
            }
            ArrayNode rules = out.putArray("rules");
            if (retention != null) {
                for (RetentionRule rule : retention.rules()) {
                    ObjectNode r = rules.addObject();
                    r.put("name", rule.name()).put("pattern", rule.pattern()).put("describe", rule.describe());
                    ArrayNode next = r.putArray("next");
                    String nextAt = null;
                    for (JsonNode row : list) {
                        if (rule.name().equals(row.path("rule").asText(null))) {
                            if (nextAt == null || row.path("deleted_at").asText().compareTo(nextAt) < 0) {
                                nextAt = row.path("deleted_at").asText();
                            }
                        }
                    }
                    for (JsonNode row : list) {
                        if (nextAt != null && nextAt.equals(row.path("deleted_at").asText(null))) {
                            next.add(row.path("index").asText());
                        }
                    }
                    r.put("next_at", nextAt);
                }
            }
            ArrayNode disks = out.putArray("data_paths");
            for (JsonNode node : nodes.path("nodes")) {
                for (JsonNode data : node.path("fs").path("data")) {
                    disks.addObject().put("node", node.path("name").asText()).put("path", data.path("path").asText())
                            .put("total_bytes", data.path("total_in_bytes").asLong())
                            .put("free_bytes", data.path("available_in_bytes").asLong());
                }
            }
            return out;
        });
    }

    /** The first scheduled run at which {@code start} lies before now minus keep. */
    static Instant deletion(Instant start, RetentionRule rule, RetentionConfig.Loaded retention, Instant now) {
        Instant due = start.plus(rule.keep());
        ZoneId zone = ZoneId.systemDefault();
        LocalDate day = LocalDate.ofInstant(due.isAfter(now) ? due : now, zone);
        ZonedDateTime run = day.atTime(retention.schedule()).atZone(zone);
        while (!run.toInstant().isAfter(due) || run.toInstant().isBefore(now)) {
            run = run.plusDays(1);
        }
        return run.toInstant();
    }
}
