package io.logpipe.console.config;

import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Units;
import io.logpipe.common.config.Variables;
import io.logpipe.common.config.YamlFile;
import io.logpipe.common.tls.ServerKeys;
import io.logpipe.common.tls.TrustedAuthorities;
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
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * {@code console.yml} in kibana.yml's dialect: flat ({@code server.port: 5601}) or nested keys, {@code ${VAR}} and
 * {@code ${VAR:default}} from the environment. A key that does not apply is warned about in one line; a wrong value
 * fails with file:line:column. TLS as Kibana's {@code server.ssl.*} ({@code serverKeys}, null: plain HTTP), read and
 * checked here so that a wrong file or password fails the start naming the key and the file.
 */
public record ConsoleConfig(String host, int port, List<URI> elasticsearchHosts, String elasticsearchUser,
                            String elasticsearchPassword, String kafkaBootstrapServers, URI indexerApi,
                            String pipelines, Path retentionConfig, Path deadLetterQueue, String defaultIndexPattern,
                            List<User> users, URI shipperApi, Map<String, Path> dataDirs, LoginLimit loginLimit,
                            KeyManagerFactory serverKeys, IndexerAccess indexerAccess) {

    /**
     * How the console reaches the indexer's monitoring API ({@code indexer.api}): HTTP Basic credentials
     * ({@code indexer.username}/{@code indexer.password}, null: none) and, for https, the TLS context trusting
     * {@code indexer.ssl.certificateAuthorities} (null: the JDK's CAs), as Kibana's {@code elasticsearch.*}.
     */
    public record IndexerAccess(String username, String password, SSLContext sslContext) {
        public static final IndexerAccess NONE = new IndexerAccess(null, null, null);

        @Override
        public String toString() {
            // never the password
            return username == null ? "no login" : "user " + username;
        }
    }

    /** Plain HTTP, and no credentials for the indexer's API. */
    public ConsoleConfig(String host, int port, List<URI> elasticsearchHosts, String elasticsearchUser,
                         String elasticsearchPassword, String kafkaBootstrapServers, URI indexerApi, String pipelines,
                         Path retentionConfig, Path deadLetterQueue, String defaultIndexPattern, List<User> users,
                         URI shipperApi, Map<String, Path> dataDirs, LoginLimit loginLimit) {
        this(host, port, elasticsearchHosts, elasticsearchUser, elasticsearchPassword, kafkaBootstrapServers,
                indexerApi, pipelines, retentionConfig, deadLetterQueue, defaultIndexPattern, users, shipperApi,
                dataDirs, loginLimit, null, IndexerAccess.NONE);
    }

    /** Whether the console itself speaks HTTPS (server.ssl.enabled). */
    public boolean tls() {
        return serverKeys != null;
    }

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
            "console.login.lockout", "server.ssl.enabled", "server.ssl.certificate", "server.ssl.key",
            "server.ssl.keyPassphrase", "server.ssl.keystore.path", "server.ssl.keystore.password",
            "indexer.username", "indexer.password", "indexer.ssl.certificateAuthorities");

    /** Loopback needs no login; any other address does. */
    public boolean requiresLogin() {
        return !isLoopback(host);
    }

    static boolean isLoopback(String host) {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.equals("[::1]");
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
                    pipelines, Path.of(retention), dlq, defaultIndex, users, shipperApi, dataDirs, limit,
                    serverKeys(values), indexerAccess(values, indexerApi));
        }

        /** Kibana's server.ssl.*: a PKCS12 keystore, or a PEM certificate and key; null when TLS is off. */
        private KeyManagerFactory serverKeys(Map<String, Node> values) throws ConfigException {
            Node enabled = values.get("server.ssl.enabled");
            if (!bool(values, "server.ssl.enabled", false)) {
                for (String key : values.keySet()) {
                    if (key.startsWith("server.ssl.") && !key.equals("server.ssl.enabled")) {
                        warnings.println(position(values.get(key)) + ": setting '" + key + "' is ignored because"
                                + " server.ssl.enabled is not true");
                    }
                }
                return null;
            }
            String keystore = string(values, "server.ssl.keystore.path", null);
            String certificate = string(values, "server.ssl.certificate", null);
            String key = string(values, "server.ssl.key", null);
            if (keystore != null) {
                for (String pem : List.of("server.ssl.certificate", "server.ssl.key", "server.ssl.keyPassphrase")) {
                    if (values.containsKey(pem)) {
                        throw error(values.get(pem), "cannot use " + pem + " when server.ssl.keystore.path is set"
                                + " (give either the keystore or the PEM certificate and key)");
                    }
                }
                try {
                    return ServerKeys.keystore(Path.of(keystore), string(values, "server.ssl.keystore.password", ""));
                } catch (ServerKeys.Unusable e) {
                    String at = e.part() == ServerKeys.Part.KEYSTORE_PASSWORD
                            && values.containsKey("server.ssl.keystore.password")
                            ? "server.ssl.keystore.password" : "server.ssl.keystore.path";
                    throw error(values.get(at), at + ": " + e.getMessage());
                }
            }
            if (certificate == null || key == null) {
                Node at = certificate != null ? values.get("server.ssl.certificate")
                        : key != null ? values.get("server.ssl.key") : enabled;
                throw error(at, "server.ssl.enabled is true: give server.ssl.certificate and server.ssl.key (PEM),"
                        + " or server.ssl.keystore.path (PKCS12)");
            }
            try {
                return ServerKeys.pem(Path.of(certificate), Path.of(key), string(values, "server.ssl.keyPassphrase",
                        null));
            } catch (ServerKeys.Unusable e) {
                String at = switch (e.part()) {
                    case CERTIFICATE -> "server.ssl.certificate";
                    case KEY_PASSPHRASE -> values.containsKey("server.ssl.keyPassphrase") ? "server.ssl.keyPassphrase"
                            : "server.ssl.key";
                    default -> "server.ssl.key";
                };
                String message = e.getMessage().endsWith("give its passphrase")
                        ? e.getMessage().replace("give its passphrase", "set server.ssl.keyPassphrase")
                        : e.getMessage();
                throw error(values.get(at), at + ": " + message);
            }
        }

        /** indexer.username/password and indexer.ssl.certificateAuthorities, as Kibana's elasticsearch.* ones. */
        private IndexerAccess indexerAccess(Map<String, Node> values, URI api) throws ConfigException {
            String user = string(values, "indexer.username", null);
            String password = string(values, "indexer.password", null);
            if ((user == null) != (password == null)) {
                String missing = user == null ? "indexer.username" : "indexer.password";
                throw error(values.get(user == null ? "indexer.password" : "indexer.username"), missing
                        + " is needed too: the indexer's API takes both (its api.auth.basic.username/password)");
            }
            SSLContext context = null;
            Node cas = values.get("indexer.ssl.certificateAuthorities");
            if (cas != null) {
                if (!api.getScheme().equals("https")) {
                    warnings.println(position(cas) + ": setting 'indexer.ssl.certificateAuthorities' is ignored"
                            + " because indexer.api " + api + " is not https");
                } else {
                    List<Path> files = new ArrayList<>();
                    for (String file : list(values, "indexer.ssl.certificateAuthorities", null)) {
                        files.add(Path.of(file));
                    }
                    try {
                        context = TrustedAuthorities.context(files);
                    } catch (IllegalArgumentException e) {
                        throw error(cas, "indexer.ssl.certificateAuthorities: " + e.getMessage());
                    }
                }
            }
            if (user != null && api.getScheme().equals("http") && !isLoopback(api.getHost())) {
                warnings.println(position(values.get("indexer.username")) + ": the indexer's credentials go to "
                        + api + " in clear; use https (the indexer's api.ssl.enabled)");
            }
            return user == null && context == null ? IndexerAccess.NONE : new IndexerAccess(user, password, context);
        }

        private boolean bool(Map<String, Node> values, String key, boolean fallback) throws ConfigException {
            Node node = values.get(key);
            if (node == null) {
                return fallback;
            }
            String text = scalar(node, key).trim();
            return switch (text.toLowerCase(java.util.Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw error(node, key + " must be true or false, not '" + text + "'");
            };
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
