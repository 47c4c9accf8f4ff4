package io.logpipe.appliance;

import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Units;
import io.logpipe.common.config.Variables;
import io.logpipe.common.config.YamlFile;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * {@code conf/appliance.yml}: which parts run on this host and where the others are. {@code elasticsearch.hosts} set
 * means no embedded node, {@code kafka.bootstrap_servers} set means no bundled queue; either way every part gets the
 * addresses through {@code ELASTICSEARCH_URL} and {@code KAFKA_BOOTSTRAP_SERVERS}, so no host is written twice.
 * Relative paths are relative to the logpipe home. Wrong values fail with file:line; unknown keys warn in one line.
 */
public final class ApplianceConfig {

    private record Value(Object value, String where) {
    }

    static final List<String> KNOWN = List.of("path.data", "elasticsearch.hosts", "elasticsearch.heap",
            "elasticsearch.port", "kafka.bootstrap_servers", "queue.port", "queue.config", "indexer.pipeline",
            "indexer.settings", "indexer.api_port", "indexer.shutdown_timeout", "shipper.enabled", "shipper.config",
            "shipper.api_port",
            "console.enabled", "console.port", "console.config", "retention.config", "logs.max_size", "logs.max_files");

    private final Path home;
    private final Path file;
    private final Map<String, Value> values = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();

    private ApplianceConfig(Path home, Path file) {
        this.home = home;
        this.file = file;
    }

    /** Reads {@code file} (absent: all defaults) for the logpipe installation at {@code home}. */
    public static ApplianceConfig load(Path home, Path file) {
        ApplianceConfig config = new ApplianceConfig(home, file);
        if (file == null || !Files.exists(file)) {
            return config;
        }
        Node root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = YamlFile.compose(file.toString(), reader);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage());
        }
        if (root == null) {
            return config;
        }
        if (!(root instanceof MappingNode mapping)) {
            throw new ConfigException(config.where(root) + ": expected key: value settings");
        }
        config.flatten("", mapping);
        for (Map.Entry<String, Value> entry : config.values.entrySet()) {
            // A section left empty (its keys commented out) is no unknown setting.
            boolean emptySection = entry.getValue().value() == null
                    && KNOWN.stream().anyMatch(known -> known.startsWith(entry.getKey() + "."));
            if (!KNOWN.contains(entry.getKey()) && !emptySection) {
                config.warnings.add(entry.getValue().where() + ": setting '" + entry.getKey()
                        + "' does not apply to the appliance and is ignored");
            }
        }
        return config;
    }

    private void flatten(String prefix, MappingNode mapping) {
        for (NodeTuple tuple : mapping.getValue()) {
            String key = prefix + ((ScalarNode) tuple.getKeyNode()).getValue();
            Node node = tuple.getValueNode();
            if (node instanceof MappingNode nested) {
                flatten(key + ".", nested);
            } else if (node instanceof SequenceNode sequence) {
                List<String> items = new ArrayList<>();
                for (Node item : sequence.getValue()) {
                    if (!(item instanceof ScalarNode scalar)) {
                        throw new ConfigException(where(item) + ": '" + key + "' expects a list of values");
                    }
                    items.add(scalar.getValue());
                }
                values.put(key, new Value(items, where(node)));
            } else {
                String text = ((ScalarNode) node).getValue();
                values.put(key, new Value(text.isEmpty() || text.equals("null") || text.equals("~") ? null : text,
                        where(node)));
            }
        }
    }

    private String where(Node node) {
        return YamlFile.at(file.toString(), node).toString();
    }

    /** Reads every setting once, so that a wrong value fails now with its position, not when a part starts. */
    public ApplianceConfig validate() {
        dataDir();
        elasticsearchHosts();
        elasticsearchHeap();
        elasticsearchPort();
        kafkaBootstrapServers();
        queuePort();
        queueConfig();
        indexerPipeline();
        indexerSettings();
        indexerApiPort();
        indexerShutdownDuration();
        shipperEnabled();
        shipperConfig();
        shipperApiPort();
        consoleEnabled();
        consolePort();
        consoleConfig();
        retentionConfig();
        logMaxBytes();
        logMaxFiles();
        return this;
    }

    public List<String> warnings() {
        return warnings;
    }

    public Path home() {
        return home;
    }

    public Path file() {
        return file;
    }

    private String string(String key, String defaultValue) {
        Value value = values.get(key);
        if (value == null || value.value() == null) {
            return defaultValue;
        }
        if (value.value() instanceof List<?>) {
            throw new ConfigException(value.where() + ": '" + key + "' expects one value, not a list");
        }
        return Environment.expand((String) value.value(), value.where());
    }

    private List<String> strings(String key) {
        Value value = values.get(key);
        if (value == null || value.value() == null) {
            return List.of();
        }
        List<String> raw = value.value() instanceof List<?> list ? list.stream().map(String::valueOf).toList()
                : List.of(((String) value.value()).split(","));
        return raw.stream().map(s -> Environment.expand(s.trim(), value.where())).filter(s -> !s.isEmpty()).toList();
    }

    private int port(String key, int defaultValue) {
        String text = string(key, null);
        if (text == null) {
            return defaultValue;
        }
        try {
            return Units.port(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(values.get(key).where() + ": '" + key + "' " + e.getMessage());
        }
    }

    private boolean bool(String key, boolean defaultValue) {
        String text = string(key, null);
        if (text == null) {
            return defaultValue;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(values.get(key).where() + ": '" + key + "' must be true or false, not '"
                    + text + "'");
        };
    }

    private Path path(String key, String defaultValue) {
        String text = string(key, defaultValue);
        return text == null ? null : home.resolve(text).normalize();
    }

    private long bytes(String key, long defaultValue) {
        String text = string(key, null);
        if (text == null) {
            return defaultValue;
        }
        try {
            return Units.bytes(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(values.get(key).where() + ": '" + key + "': " + e.getMessage());
        }
    }

    // ---- the settings

    public Path dataDir() {
        return path("path.data", "var");
    }

    /** The external cluster; empty means the embedded node runs. */
    public List<String> elasticsearchHosts() {
        return strings("elasticsearch.hosts");
    }

    public boolean embeddedElasticsearch() {
        return elasticsearchHosts().isEmpty();
    }

    public String elasticsearchHeap() {
        String heap = string("elasticsearch.heap", "1g");
        if (!heap.matches("\\d+[kKmMgG]")) {
            throw new ConfigException(values.get("elasticsearch.heap").where() + ": 'elasticsearch.heap' must look like"
                    + " 512m or 2g, not '" + heap + "'");
        }
        return heap;
    }

    public int elasticsearchPort() {
        return port("elasticsearch.port", 9200);
    }

    /** The external Kafka; empty means the bundled queue runs. */
    public List<String> kafkaBootstrapServers() {
        return strings("kafka.bootstrap_servers");
    }

    public boolean bundledQueue() {
        return kafkaBootstrapServers().isEmpty();
    }

    public int queuePort() {
        return port("queue.port", 9092);
    }

    public Path queueConfig() {
        return path("queue.config", "conf/server.properties");
    }

    public Path indexerPipeline() {
        return path("indexer.pipeline", "pipelines/kafka_to_es.conf");
    }

    public Path indexerSettings() {
        return path("indexer.settings", "conf");
    }

    public int indexerApiPort() {
        return port("indexer.api_port", 9600);
    }

    public String indexerShutdownTimeout() {
        return string("indexer.shutdown_timeout", "30s");
    }

    /** The indexer's drain bound as a duration, for how long the supervisor waits for it to stop. */
    public Duration indexerShutdownDuration() {
        try {
            Duration bound = Units.duration(indexerShutdownTimeout());
            if (bound.isNegative()) {
                throw new IllegalArgumentException("'" + indexerShutdownTimeout() + "' is negative");
            }
            return bound;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(values.get("indexer.shutdown_timeout").where() + ": 'indexer.shutdown_timeout': "
                    + e.getMessage());
        }
    }

    public boolean shipperEnabled() {
        return bool("shipper.enabled", true);
    }

    public Path shipperConfig() {
        return path("shipper.config", "conf/shipper.yml");
    }

    /** The shipper's stats endpoint (filebeat's http.port), on loopback, for status and the console. */
    public int shipperApiPort() {
        return port("shipper.api_port", 5066);
    }

    public boolean consoleEnabled() {
        return bool("console.enabled", true);
    }

    public int consolePort() {
        return port("console.port", 5601);
    }

    public Path consoleConfig() {
        return path("console.config", "conf/console.yml");
    }

    public Path retentionConfig() {
        return path("retention.config", "conf/retention.yml");
    }

    public long logMaxBytes() {
        return bytes("logs.max_size", 10L * 1024 * 1024);
    }

    public int logMaxFiles() {
        String text = string("logs.max_files", "5");
        try {
            int n = Integer.parseInt(text.trim());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(values.get("logs.max_files").where() + ": 'logs.max_files' must be at least 1,"
                    + " not '" + text + "'");
        }
    }

    /**
     * ELASTICSEARCH_URL for every part: every external host, or the embedded node. Several hosts are separated by
     * spaces, the form Logstash's {@code hosts => ["${ES_HOSTS}"]} accepts (a uri_list splits on spaces), so that the
     * pipeline, the retention rules and the console all spread requests over them and fail over.
     */
    public String elasticsearchUrl() {
        return String.join(" ", elasticsearchUrls());
    }

    /** Every Elasticsearch host the parts talk to, in the configured order. */
    public List<String> elasticsearchUrls() {
        return embeddedElasticsearch() ? List.of("http://127.0.0.1:" + elasticsearchPort()) : elasticsearchHosts();
    }

    /** KAFKA_BOOTSTRAP_SERVERS for every part: the external brokers, or the bundled queue. */
    public String kafkaBootstrap() {
        return bundledQueue() ? "127.0.0.1:" + queuePort() : String.join(",", kafkaBootstrapServers());
    }

    /** ${VAR} and ${VAR:default}, as in the other configs. */
    static final class Environment {
        private Environment() {
        }

        static String expand(String text, String where) {
            try {
                return Variables.expand(text, System::getenv);
            } catch (Variables.Unset e) {
                throw new ConfigException(where + ": environment variable " + e.name() + " is not set (write ${"
                        + e.name() + ":default} for a default)");
            }
        }
    }
}
