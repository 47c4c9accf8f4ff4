package io.logpipe.indexer;

import io.logpipe.common.config.Variables;
import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Location;
import io.logpipe.common.config.YamlFile;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * {@code indexer.yml} in the logstash.yml dialect (flat {@code pipeline.workers: 2} or nested keys), and
 * {@code pipelines.yml}. Keys that do not apply are warned about in one line; wrong values fail with file:line.
 * {@code ${VAR}} and {@code ${VAR:default}} in a value are looked up as in pipeline files: the keystore, then the
 * environment.
 */
public final class IndexerSettings {
    /** A value and where it was written. */
    record Value(String text, Location location) {
    }

    static final List<String> KNOWN = java.util.stream.Stream.concat(java.util.stream.Stream.of("pipeline.id",
            "pipeline.workers", "pipeline.batch.size", "pipeline.batch.delay", "path.data", "path.dead_letter_queue",
            "path.config", "config.string", "http.host", "http.port", "api.http.host", "api.http.port", "log.level",
            "config.test_and_exit", "prune.config", "pipeline.shutdown_timeout", "pipeline.ordered", "node.name",
            "path.logs"), ApiSettings.KEYS.stream()).toList();

    final Map<String, Value> values = new LinkedHashMap<>();

    /** Reads {@code file}, its {@code ${VAR}}s from {@code variables}; returns empty settings when it does not exist. */
    static IndexerSettings load(Path file, Variables.Lookup variables) {
        IndexerSettings settings = new IndexerSettings();
        if (!Files.exists(file)) {
            return settings;
        }
        Node root = compose(file);
        if (root == null) {
            return settings;
        }
        if (!(root instanceof MappingNode mapping)) {
            throw new ConfigException(location(file, root), "expected key: value settings");
        }
        flatten(file, "", mapping, variables, settings.values);
        for (Map.Entry<String, Value> entry : settings.values.entrySet()) {
            if (!KNOWN.contains(entry.getKey())) {
                log().warn("{}: setting '{}' does not apply to the indexer and is ignored", entry.getValue().location(),
                        entry.getKey());
            }
        }
        return settings;
    }

    /** The pipelines of {@code pipelines.yml}: one settings map per list entry. */
    static List<IndexerSettings> loadPipelines(Path file, Variables.Lookup variables) {
        List<IndexerSettings> pipelines = new ArrayList<>();
        Node root = compose(file);
        if (!(root instanceof SequenceNode sequence)) {
            throw new ConfigException(root == null ? new Location(file.toString(), 1, 1) : location(file, root),
                    "pipelines.yml must be a list of pipelines, like: - pipeline.id: main\\n  path.config: \"pipelines/*.conf\"");
        }
        for (Node item : sequence.getValue()) {
            if (!(item instanceof MappingNode mapping)) {
                throw new ConfigException(location(file, item), "expected a pipeline (pipeline.id, path.config, ...)");
            }
            IndexerSettings settings = new IndexerSettings();
            flatten(file, "", mapping, variables, settings.values);
            for (Map.Entry<String, Value> entry : settings.values.entrySet()) {
                if (!KNOWN.contains(entry.getKey())) {
                    log().warn("{}: pipeline setting '{}' does not apply and is ignored", entry.getValue().location(),
                            entry.getKey());
                }
            }
            if (!settings.values.containsKey("path.config") && !settings.values.containsKey("config.string")) {
                throw new ConfigException(location(file, item), "a pipeline needs path.config or config.string");
            }
            pipelines.add(settings);
        }
        return pipelines;
    }

    private static Logger log() {
        return LoggerFactory.getLogger(IndexerSettings.class);
    }

    private static Node compose(Path file) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return YamlFile.compose(file.toString(), reader);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static void flatten(Path file, String prefix, MappingNode mapping, Variables.Lookup variables,
                                Map<String, Value> out) {
        for (NodeTuple tuple : mapping.getValue()) {
            String key = prefix + ((ScalarNode) tuple.getKeyNode()).getValue();
            Node value = tuple.getValueNode();
            if (value instanceof MappingNode nested) {
                flatten(file, key + ".", nested, variables, out);
            } else if (value instanceof ScalarNode scalar) {
                Location at = location(file, value);
                try {
                    out.put(key, new Value(Variables.expand(scalar.getValue(), variables), at));
                } catch (Variables.Unset e) {
                    throw new ConfigException(at, "'" + key + "': variable " + e.getMessage());
                }
            } else {
                throw new ConfigException(location(file, value), "setting '" + key + "' expects a single value");
            }
        }
    }

    private static Location location(Path file, Node node) {
        return new Location(file.toString(), node.getStartMark().getLine() + 1, node.getStartMark().getColumn() + 1);
    }

    void set(String key, String value) {
        values.put(key, new Value(value, new Location("command line", 1, 1)));
    }

    String string(String key, String defaultValue) {
        Value value = values.get(key);
        return value == null ? defaultValue : value.text();
    }

    int integer(String key, int defaultValue, int min) {
        Value value = values.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(value.text().trim());
            if (n < min) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(value.location(), "'" + key + "' must be a whole number of at least " + min
                    + ", not '" + value.text() + "'");
        }
    }

    /** A duration such as {@code 30s}, {@code 2m}, {@code 500ms}, or a number of seconds. */
    java.time.Duration duration(String key, java.time.Duration defaultValue) {
        Value value = values.get(key);
        if (value == null) {
            return defaultValue;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|m|h)?").matcher(value.text().trim());
        if (!m.matches()) {
            throw new ConfigException(value.location(), "'" + key + "' must be a duration like 30s, 2m or 500ms, not '"
                    + value.text() + "'");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> java.time.Duration.ofMillis(n);
            case "m" -> java.time.Duration.ofMinutes(n);
            case "h" -> java.time.Duration.ofHours(n);
            default -> java.time.Duration.ofSeconds(n);
        };
    }

    /**
     * logstash.yml's {@code pipeline.ordered}: {@code true} processes events in order, which takes one worker (an
     * explicit {@code pipeline.workers} above 1 is an error, as in Logstash); {@code auto} and {@code false} keep
     * {@code workers}.
     */
    int workers(int defaultWorkers) {
        Value ordered = values.get("pipeline.ordered");
        String mode = ordered == null ? "auto" : ordered.text().trim().toLowerCase(java.util.Locale.ROOT);
        if (!List.of("auto", "true", "false").contains(mode)) {
            throw new ConfigException(ordered.location(), "'pipeline.ordered' must be auto, true or false, not '"
                    + ordered.text() + "'");
        }
        if (!mode.equals("true")) {
            return integer("pipeline.workers", defaultWorkers, 1);
        }
        int workers = integer("pipeline.workers", 1, 1);
        if (workers != 1) {
            throw new ConfigException(values.get("pipeline.workers").location(), "pipeline.ordered: true needs"
                    + " pipeline.workers: 1 (ordered processing takes one worker), not " + workers);
        }
        return 1;
    }

    IndexerSettings overlay(IndexerSettings other) {
        IndexerSettings merged = new IndexerSettings();
        merged.values.putAll(values);
        merged.values.putAll(other.values);
        return merged;
    }
}
