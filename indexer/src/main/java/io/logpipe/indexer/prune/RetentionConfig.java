package io.logpipe.indexer.prune;

import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Variables;
import io.logpipe.common.config.YamlFile;
import io.logpipe.indexer.es.ElasticsearchConnection;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * {@code conf/retention.yml}: Elasticsearch connection settings (the same keys as the indexer's elasticsearch output)
 * and a list of rules. A wrong value fails with file:line:column and what to write instead; a key that means nothing
 * here is warned about in one line and ignored. {@code ${VAR}} and {@code ${VAR:default}} take values from the
 * environment, as in Logstash, so passwords need not sit in the file.
 */
public final class RetentionConfig {
    private static final Set<String> TOP_KEYS = Set.of("elasticsearch", "rules", "schedule", "disk_guard");
    private static final Set<String> GUARD_KEYS = Set.of("enabled", "max_used", "check_every");
    private static final Set<String> RULE_KEYS = Set.of("name", "pattern", "date_format", "keep", "max_size",
            "elasticsearch");
    private static final Set<String> CONNECTION_KEYS = Set.of("hosts", "user", "password", "api_key",
            "ssl_certificate_authorities", "cacert");
    /** Daily at 04:00 local time, the old deleteWhen=04 habit, when the file names no schedule. */
    public static final LocalTime DEFAULT_SCHEDULE = LocalTime.of(4, 0);

    private final Path file;
    private final Function<String, String> environment;
    private final PrintStream warnings;

    private RetentionConfig(Path file, Function<String, String> environment, PrintStream warnings) {
        this.file = file;
        this.environment = environment;
        this.warnings = warnings;
    }

    /** The file's rules, the time of day the indexer runs them, and the disk guard (null when disabled). */
    public record Loaded(List<RetentionRule> rules, LocalTime schedule, DiskGuard diskGuard) {
    }

    /**
     * Before Elasticsearch's flood-stage watermark (95% by default: every index turns read-only and the pipeline
     * stalls) the guard deletes the oldest indices that a rule covers while the node's disk is more than
     * {@code maxUsedPercent} used; checked every {@code every}. On by default at 90%, the high watermark.
     */
    public record DiskGuard(double maxUsedPercent, Duration every) {
        public static final DiskGuard DEFAULT = new DiskGuard(90, Duration.ofMinutes(1));
    }

    public static Loaded load(Path file, Function<String, String> environment, PrintStream warnings) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        return new RetentionConfig(file, environment, warnings).parse(text);
    }

    private Loaded parse(String text) throws ConfigException {
        Node root;
        root = YamlFile.compose(file.toString(), new StringReader(text));
        if (root == null) {
            throw new ConfigException(file + ": the file is empty; it needs a 'rules:' list");
        }
        Map<String, Node> top = mapping(root, "the top level", TOP_KEYS);
        Map<String, Node> defaults = top.containsKey("elasticsearch")
                ? mapping(top.get("elasticsearch"), "elasticsearch", CONNECTION_KEYS) : Map.of();
        LocalTime schedule = DEFAULT_SCHEDULE;
        if (top.containsKey("schedule")) {
            String at = scalar(top.get("schedule"), "schedule");
            try {
                schedule = LocalTime.parse(at);
            } catch (DateTimeParseException e) {
                throw error(top.get("schedule"), "schedule '" + at + "' is not a time of day; write HH:MM, e.g. \"04:00\"");
            }
        }
        Node rulesNode = top.get("rules");
        if (!(rulesNode instanceof SequenceNode sequence) || sequence.getValue().isEmpty()) {
            throw rulesNode == null ? new ConfigException(file + ": no 'rules:' list; add at least one rule")
                    : error(rulesNode, "rules must be a list of rules, each with pattern, date_format and keep");
        }
        List<RetentionRule> rules = new ArrayList<>();
        for (Node ruleNode : sequence.getValue()) {
            rules.add(rule(ruleNode, defaults, rules.size() + 1));
        }
        return new Loaded(List.copyOf(rules), schedule, diskGuard(top.get("disk_guard")));
    }

    private DiskGuard diskGuard(Node node) throws ConfigException {
        if (node == null) {
            return DiskGuard.DEFAULT;
        }
        Map<String, Node> guard = mapping(node, "disk_guard", GUARD_KEYS);
        if (guard.containsKey("enabled") && scalar(guard.get("enabled"), "enabled").equalsIgnoreCase("false")) {
            return null;
        }
        double percent = DiskGuard.DEFAULT.maxUsedPercent();
        if (guard.containsKey("max_used")) {
            String text = scalar(guard.get("max_used"), "max_used").trim();
            try {
                percent = Double.parseDouble(text.endsWith("%") ? text.substring(0, text.length() - 1) : text);
            } catch (NumberFormatException e) {
                percent = -1;
            }
            if (percent <= 0 || percent >= 100) {
                throw error(guard.get("max_used"), "max_used must be a percentage of the disk between 0 and 100, such"
                        + " as 90%, not '" + text + "'");
            }
        }
        Duration every = DiskGuard.DEFAULT.every();
        if (guard.containsKey("check_every")) {
            try {
                every = Age.parse(scalar(guard.get("check_every"), "check_every"));
            } catch (IllegalArgumentException e) {
                throw error(guard.get("check_every"), "check_every: " + e.getMessage());
            }
        }
        return new DiskGuard(percent, every);
    }

    private RetentionRule rule(Node node, Map<String, Node> defaults, int number) throws ConfigException {
        Map<String, Node> rule = mapping(node, "rule " + number, RULE_KEYS);
        Node pattern = required(rule, "pattern", node, "an index pattern such as nginx.access-*");
        Node format = required(rule, "date_format", node, "the suffix's date format, such as yyyy.MM.dd");
        Node keep = required(rule, "keep", node, "how long to keep, such as 5d or 36h");
        String name = rule.containsKey("name") ? scalar(rule.get("name"), "name") : scalar(pattern, "pattern");
        Map<String, Node> connection = new LinkedHashMap<>(defaults);
        if (rule.containsKey("elasticsearch")) {
            connection.putAll(mapping(rule.get("elasticsearch"), "elasticsearch", CONNECTION_KEYS));
        }
        Duration age;
        try {
            age = Age.parse(scalar(keep, "keep"));
        } catch (IllegalArgumentException e) {
            throw error(keep, "keep: " + e.getMessage());
        }
        long maxSize = RetentionRule.NO_SIZE_LIMIT;
        if (rule.containsKey("max_size")) {
            try {
                maxSize = RetentionRule.parseSize(scalar(rule.get("max_size"), "max_size"));
            } catch (IllegalArgumentException e) {
                throw error(rule.get("max_size"), "max_size: " + e.getMessage());
            }
        }
        ElasticsearchConnection es = connection(connection, node);
        try {
            return new RetentionRule(name, scalar(pattern, "pattern"), scalar(format, "date_format"), age, es, maxSize);
        } catch (IllegalArgumentException e) {
            Node culprit = e.getMessage().startsWith("pattern") ? pattern : format;
            throw error(culprit, e.getMessage());
        }
    }

    private ElasticsearchConnection connection(Map<String, Node> settings, Node rule) throws ConfigException {
        if (!settings.containsKey("hosts")) {
            throw error(rule, "no Elasticsearch hosts: set elasticsearch.hosts at the top or in the rule");
        }
        List<String> hosts = strings(settings.get("hosts"), "hosts");
        String user = optional(settings, "user");
        String password = optional(settings, "password");
        String apiKey = optional(settings, "api_key");
        List<Path> cas = new ArrayList<>();
        for (String key : List.of("ssl_certificate_authorities", "cacert")) {
            if (settings.containsKey(key)) {
                for (String ca : strings(settings.get(key), key)) {
                    cas.add(resolve(ca));
                }
            }
        }
        try {
            return ElasticsearchConnection.of(hosts, user, password, apiKey, cas);
        } catch (IllegalArgumentException e) {
            Node culprit = settings.getOrDefault(e.getMessage().split("[: ]")[0], settings.get("hosts"));
            throw error(culprit, e.getMessage());
        }
    }

    private Path resolve(String path) {
        Path p = Path.of(path);
        return p.isAbsolute() || file.getParent() == null ? p : file.toAbsolutePath().getParent().resolve(p);
    }

    private Map<String, Node> mapping(Node node, String what, Set<String> known) throws ConfigException {
        if (!(node instanceof MappingNode mapping)) {
            throw error(node, what + " must be a mapping of key: value");
        }
        Map<String, Node> result = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String key = scalar(tuple.getKeyNode(), "a key");
            if (!known.contains(key)) {
                warnings.println(position(tuple.getKeyNode()) + ": warning: '" + key + "' means nothing in " + what
                        + " here; ignored (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
                continue;
            }
            result.put(key, tuple.getValueNode());
        }
        return result;
    }

    private Node required(Map<String, Node> map, String key, Node owner, String hint) throws ConfigException {
        Node value = map.get(key);
        if (value == null) {
            throw error(owner, "this rule has no '" + key + "': add " + hint);
        }
        return value;
    }

    private String optional(Map<String, Node> map, String key) throws ConfigException {
        Node node = map.get(key);
        if (node == null) {
            return null;
        }
        String value = scalar(node, key);
        return value.isEmpty() ? null : value;
    }

    private List<String> strings(Node node, String key) throws ConfigException {
        if (node instanceof SequenceNode sequence) {
            List<String> values = new ArrayList<>();
            for (Node item : sequence.getValue()) {
                values.add(scalar(item, key));
            }
            return values;
        }
        return List.of(scalar(node, key));
    }

    private String scalar(Node node, String what) throws ConfigException {
        if (!(node instanceof ScalarNode scalar)) {
            throw error(node, what + " must be a single value");
        }
        try {
            return Variables.expand(scalar.getValue(), environment);
        } catch (Variables.Unset e) {
            throw error(node, e.getMessage());
        }
    }

    private String position(Node node) {
        return file + ":" + (node.getStartMark().getLine() + 1) + ":" + (node.getStartMark().getColumn() + 1);
    }

    private ConfigException error(Node node, String message) {
        return new ConfigException(position(node) + ": " + message);
    }

}
