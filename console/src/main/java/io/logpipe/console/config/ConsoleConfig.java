package io.logpipe.console.config;

import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Units;
import io.logpipe.common.config.Variables;
import io.logpipe.common.config.YamlFile;
import io.logpipe.console.auth.PasswordHash;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * {@code console.yml} in kibana.yml's dialect: flat ({@code server.port: 5601}) or nested keys, {@code ${VAR}} and
 * {@code ${VAR:default}} from the environment. A key that does not apply is warned about in one line; a wrong value
 * fails with file:line:column.
 */
public record ConsoleConfig(String host, int port, List<URI> elasticsearchHosts, String elasticsearchUser,
                            String elasticsearchPassword, String kafkaBootstrapServers, URI indexerApi,
                            String pipelines, Path retentionConfig, Path deadLetterQueue, String defaultIndexPattern,
                            List<User> users, URI shipperApi, Map<String, Path> dataDirs, LoginLimit loginLimit) {

    /** A console login; {@code passwordHash} is {@link PasswordHash}'s encoding, never the password. */
    public record User(String name, String passwordHash) {
    }

    /**
     * After {@code maxFailures} failed logins from one address (within {@code lockout} of the first), that address
     * is refused for {@code lockout}: guessing passwords takes years, not minutes.
     */
    public record LoginLimit(int maxFailures, Duration lockout) {
        public static final LoginLimit DEFAULT = new LoginLimit(5, Duration.ofMinutes(5));
    }

    /** Without data dirs to watch, and the default login limit. */
    public ConsoleConfig(String host, int port, List<URI> elasticsearchHosts, String elasticsearchUser,
                         String elasticsearchPassword, String kafkaBootstrapServers, URI indexerApi, String pipelines,
                         Path retentionConfig, Path deadLetterQueue, String defaultIndexPattern, List<User> users,
                         URI shipperApi) {
        this(host, port, elasticsearchHosts, elasticsearchUser, elasticsearchPassword, kafkaBootstrapServers,
                indexerApi, pipelines, retentionConfig, deadLetterQueue, defaultIndexPattern, users, shipperApi,
                Map.of(), LoginLimit.DEFAULT);
    }

    static final List<String> KNOWN = List.of("server.host", "server.port", "elasticsearch.hosts",
            "elasticsearch.username", "elasticsearch.password", "kafka.bootstrap_servers", "indexer.api",
            "indexer.dead_letter_queue", "pipelines.path", "retention.config", "search.default_index", "console.users",
            "shipper.api", "queue.data_dir", "indexer.data_dir", "console.login.max_failures",
            "console.login.lockout");

    /** Loopback needs no login; any other address does. */
    public boolean requiresLogin() {
        return !(host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1"));
    }

    /** The defaults, as if the file were empty. */
    public static ConsoleConfig defaults(Function<String, String> environment) {
        try {
            return new Loader(Path.of("(defaults)"), environment, System.err).build(Map.of());
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ConsoleConfig load(Path file, Function<String, String> environment, PrintStream warnings)
            throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        Loader loader = new Loader(file, environment, warnings);
        Node root;
        root = YamlFile.compose(file.toString(), new StringReader(text));
        Map<String, Node> values = new LinkedHashMap<>();
        if (root != null) {
            if (!(root instanceof MappingNode mapping)) {
                throw loader.error(root, "expected key: value settings, like server.port: 5601");
            }
            loader.flatten("", mapping, values);
        }
        for (Map.Entry<String, Node> entry : values.entrySet()) {
            if (!KNOWN.contains(entry.getKey())) {
                warnings.println(loader.position(entry.getValue()) + ": setting '" + entry.getKey()
                        + "' does not apply to the console and is ignored");
            }
        }
        return loader.build(values);
    }

    private record Loader(Path file, Function<String, String> environment, PrintStream warnings) {

        void flatten(String prefix, MappingNode mapping, Map<String, Node> out) throws ConfigException {
            for (NodeTuple tuple : mapping.getValue()) {
                if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                    throw error(tuple.getKeyNode(), "a setting's name must be a plain word");
                }
                String name = prefix + key.getValue();
                if (tuple.getValueNode() instanceof MappingNode nested && !KNOWN.contains(name)) {
                    flatten(name + ".", nested, out);
                } else {
                    out.put(name, tuple.getValueNode());
                }
            }
        }

        ConsoleConfig build(Map<String, Node> values) throws ConfigException {
            String host = string(values, "server.host", "127.0.0.1");
            int port = port(values, "server.port", 5601);
            List<URI> esHosts = new ArrayList<>();
            for (String entry : list(values, "elasticsearch.hosts", "${ELASTICSEARCH_URL:http://127.0.0.1:9200}")) {
                // bin/appliance gives several hosts as one space-separated ELASTICSEARCH_URL, Logstash's uri_list
                for (String h : entry.isBlank() ? new String[] {entry} : entry.trim().split("\\s+")) {
                    esHosts.add(uri(values.get("elasticsearch.hosts"), "elasticsearch.hosts", h));
                }
            }
            String esUser = string(values, "elasticsearch.username", null);
            String esPassword = string(values, "elasticsearch.password", null);
            String kafka = String.join(",", list(values, "kafka.bootstrap_servers",
                    "${KAFKA_BOOTSTRAP_SERVERS:127.0.0.1:9092}"));
            URI indexerApi = uri(values.get("indexer.api"), "indexer.api",
                    string(values, "indexer.api", "http://127.0.0.1:9600"));
            Path dlq = Path.of(string(values, "indexer.dead_letter_queue", "var/data/indexer/dead_letter_queue"));
            String pipelines = string(values, "pipelines.path", "pipelines/*.conf");
            String retention = string(values, "retention.config", "conf/retention.yml");
            String defaultIndex = string(values, "search.default_index", null);
            List<User> users = users(values.get("console.users"));
            // The shipper's stats endpoint (filebeat's http.port); unset: the pipeline page shows no shipper figures.
            String shipper = string(values, "shipper.api", "${SHIPPER_API:}");
            URI shipperApi = shipper == null || shipper.isBlank() ? null
                    : uri(values.get("shipper.api"), "shipper.api", shipper);
            // The data dirs whose disk use (and free space) the pipeline page shows; as bin/appliance lays them out.
            Map<String, Path> dataDirs = new LinkedHashMap<>();
            dataDirs.put("queue", Path.of(string(values, "queue.data_dir", "${QUEUE_DATA_DIR:var/data/queue}")));
            dataDirs.put("indexer", Path.of(string(values, "indexer.data_dir",
                    "${INDEXER_DATA_DIR:var/data/indexer}")));
            LoginLimit limit = new LoginLimit(positive(values, "console.login.max_failures",
                    LoginLimit.DEFAULT.maxFailures()), duration(values, "console.login.lockout",
                    LoginLimit.DEFAULT.lockout()));
            return new ConsoleConfig(host, port, List.copyOf(esHosts), esUser, esPassword, kafka, indexerApi,
                    pipelines, Path.of(retention), dlq, defaultIndex, users, shipperApi, dataDirs, limit);
        }

        private List<User> users(Node node) throws ConfigException {
            List<User> users = new ArrayList<>();
            if (node == null) {
                return users;
            }
            if (!(node instanceof SequenceNode sequence)) {
                throw error(node, "console.users must be a list of {username, password_hash}; make a hash with "
                        + "bin/console --hash-password");
            }
            for (Node item : sequence.getValue()) {
                if (!(item instanceof MappingNode mapping)) {
                    throw error(item, "a user needs username and password_hash");
                }
                Map<String, Node> fields = new LinkedHashMap<>();
                for (NodeTuple t : mapping.getValue()) {
                    fields.put(((ScalarNode) t.getKeyNode()).getValue(), t.getValueNode());
                }
                for (String key : fields.keySet()) {
                    if (!key.equals("username") && !key.equals("password_hash")) {
                        throw error(fields.get(key), "a user has only username and password_hash, not '" + key
                                + "' (passwords are never stored in clear: bin/console --hash-password)");
                    }
                }
                Node name = fields.get("username");
                Node hash = fields.get("password_hash");
                if (name == null || hash == null) {
                    throw error(item, "a user needs username and password_hash");
                }
                String encoded = scalar(hash, "password_hash");
                if (!PasswordHash.isEncoded(encoded)) {
                    throw error(hash, "password_hash is not a hash made by bin/console --hash-password "
                            + "(pbkdf2-sha256$iterations$salt$hash)");
                }
                users.add(new User(scalar(name, "username"), encoded));
            }
            return List.copyOf(users);
        }

        private String string(Map<String, Node> values, String key, String fallback) throws ConfigException {
            Node node = values.get(key);
            return node == null ? (fallback == null ? null : expand(fallback, null)) : scalar(node, key);
        }

        private List<String> list(Map<String, Node> values, String key, String fallback) throws ConfigException {
            Node node = values.get(key);
            List<String> out = new ArrayList<>();
            if (node == null) {
                out.add(expand(fallback, null));
            } else if (node instanceof SequenceNode sequence) {
                for (Node item : sequence.getValue()) {
                    out.add(scalar(item, key));
                }
            } else {
                for (String part : scalar(node, key).split(",")) {
                    out.add(part.trim());
                }
            }
            if (out.isEmpty() || out.stream().anyMatch(String::isBlank)) {
                throw node == null ? new ConfigException(file + ": " + key + " is empty")
                        : error(node, key + " needs at least one address");
            }
            return out;
        }

        private int port(Map<String, Node> values, String key, int fallback) throws ConfigException {
            Node node = values.get(key);
            if (node == null) {
                return fallback;
            }
            try {
                return Units.port(scalar(node, key));
            } catch (IllegalArgumentException e) {
                throw error(node, key + " " + e.getMessage());
            }
        }

        private int positive(Map<String, Node> values, String key, int fallback) throws ConfigException {
            Node node = values.get(key);
            if (node == null) {
                return fallback;
            }
            String text = scalar(node, key);
            try {
                int n = Integer.parseInt(text.trim());
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw error(node, key + " must be a whole number above 0, not '" + text + "'");
        }

        private Duration duration(Map<String, Node> values, String key, Duration fallback) throws ConfigException {
            Node node = values.get(key);
            if (node == null) {
                return fallback;
            }
            try {
                Duration d = Units.duration(scalar(node, key));
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("must be longer than 0");
                }
                return d;
            } catch (IllegalArgumentException e) {
                throw error(node, key + ": " + e.getMessage());
            }
        }

        private URI uri(Node node, String key, String text) throws ConfigException {
            try {
                URI uri = URI.create(text.trim());
                if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                        || uri.getHost() == null) {
                    throw new IllegalArgumentException();
                }
                return uri;
            } catch (IllegalArgumentException e) {
                String message = key + " '" + text + "' is not an http(s) URL such as http://127.0.0.1:9200";
                throw node == null ? new ConfigException(file + ": " + message) : error(node, message);
            }
        }

        private String scalar(Node node, String what) throws ConfigException {
            if (!(node instanceof ScalarNode scalar)) {
                throw error(node, what + " must be a single value");
            }
            return expand(scalar.getValue(), node);
        }

        private String expand(String text, Node node) throws ConfigException {
            try {
                return Variables.expand(text, environment);
            } catch (Variables.Unset e) {
                throw node == null ? new ConfigException(file + ": " + e.getMessage()) : error(node, e.getMessage());
            }
        }

        String position(Node node) {
            return file + ":" + (node.getStartMark().getLine() + 1) + ":" + (node.getStartMark().getColumn() + 1);
        }

        ConfigException error(Node node, String message) {
            return new ConfigException(position(node) + ": " + message);
        }
    }
}
