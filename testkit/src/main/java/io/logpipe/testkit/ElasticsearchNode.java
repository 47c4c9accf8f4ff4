package io.logpipe.testkit;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.HttpsURLConnection;
import org.apache.http.Header;
import org.apache.http.HttpHost;
import org.apache.http.message.BasicHeader;
import org.elasticsearch.client.RestClient;

/**
 * A real single-node Elasticsearch, started from the distribution that Maven resolved from Maven Central
 * ({@code org.elasticsearch.distribution.integ-test-zip:elasticsearch}), as a child process on loopback.
 *
 * <p>Use {@link #shared()} for the one node every test in a JVM shares, or {@link #start(Options)} for a node of
 * one's own (for example with security on). Nodes are stopped by a shutdown hook, and a watchdog process stops
 * them when the test JVM dies without running its hooks (kill -9), so none is left orphaned.
 */
public final class ElasticsearchNode implements AutoCloseable {
    /** The unprivileged user Elasticsearch runs as when the tests run as root (Elasticsearch refuses root). */
    public static final String SERVICE_USER = "logpipe-es";

    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final List<ElasticsearchNode> RUNNING = new CopyOnWriteArrayList<>();
    private static ElasticsearchNode shared;
    private static ElasticsearchNode sharedSecured;

    /** The superuser of {@link #sharedSecured()}. */
    public static final String SECURED_USER = "logpipe-admin";
    public static final String SECURED_PASSWORD = "logpipe-test-password";

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(ElasticsearchNode::close),
                "elasticsearch-node-stopper"));
    }

    /** How to start a node. */
    public record Options(String name, String user, String password, TestCertificates httpTls) {
        public Options(String name, String user, String password) {
            this(name, user, password, null);
        }

        /** Security off: plain HTTP, no credentials. */
        public static Options insecure(String name) {
            return new Options(name, null, null);
        }

        /** Security on (file realm, plain HTTP): {@code user} is a superuser with {@code password}. */
        public static Options secured(String name, String user, String password) {
            return new Options(name, user, password);
        }

        /** These secured options with HTTPS: the node presents {@code certificates}' server certificate. */
        public Options withHttpTls(TestCertificates certificates) {
            if (user == null) {
                throw new IllegalArgumentException("HTTPS needs security on: use Options.secured(...).withHttpTls(...)");
            }
            return new Options(name, user, password, certificates);
        }

        boolean securityEnabled() {
            return user != null;
        }
    }

    private final Options options;
    private final int httpPort;
    private final Path pidFile;
    private final Launcher launcher;
    private volatile Process watchdog;
    private volatile boolean stopped;

    private ElasticsearchNode(Options options, int httpPort, Path pidFile, Process watchdog, Launcher launcher) {
        this.options = options;
        this.httpPort = httpPort;
        this.pidFile = pidFile;
        this.watchdog = watchdog;
        this.launcher = launcher;
    }

    /**
     * Starts the server again, on the same port and the same data, after it died (a fault test killed it with
     * SIGKILL); returns once the cluster is healthy again.
     */
    public synchronized void restart() {
        if (stopped) {
            throw new IllegalStateException("node '" + options.name() + "' was closed");
        }
        if (process().isPresent()) {
            throw new IllegalStateException("node '" + options.name() + "' is still running");
        }
        watchdog.destroy();
        try {
            Files.deleteIfExists(pidFile);
            launcher.relaunch(this);
        } catch (IOException e) {
            throw new UncheckedIOException("could not restart Elasticsearch node '" + options.name() + "'", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restarting Elasticsearch", e);
        }
    }

    /** The node shared by every test of this JVM, security off; started on first use. */
    public static synchronized ElasticsearchNode shared() {
        if (shared == null) {
            shared = start(Options.insecure("shared"));
        }
        return shared;
    }

    /**
     * The node shared by every auth test of this JVM: security on, superuser {@link #SECURED_USER} with
     * {@link #SECURED_PASSWORD}; started on first use. Tests that need other users create them through the API.
     */
    public static synchronized ElasticsearchNode sharedSecured() {
        if (sharedSecured == null) {
            sharedSecured = start(Options.secured("shared-secured", SECURED_USER, SECURED_PASSWORD));
        }
        return sharedSecured;
    }

    /** Starts a node of its own; close it when done (or leave it to the shutdown hook). */
    public static ElasticsearchNode start(Options options) {
        try {
            return new Launcher(options).launch();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Elasticsearch node '" + options.name() + "'", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting Elasticsearch", e);
        }
    }

    /** e.g. {@code http://127.0.0.1:41233}, or {@code https://...} with {@link Options#withHttpTls}. */
    public String url() {
        return (options.httpTls() == null ? "http" : "https") + "://127.0.0.1:" + httpPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public Optional<String> user() {
        return Optional.ofNullable(options.user());
    }

    public Optional<String> password() {
        return Optional.ofNullable(options.password());
    }

    /** A new elasticsearch-java client for this node (with the node's credentials, if any); close its transport when done. */
    public ElasticsearchClient client() {
        return client(authorization(options));
    }

    /** A new client for this node that authenticates as {@code user} with {@code password}. */
    public ElasticsearchClient client(String user, String password) {
        return client(authorization(Options.secured(options.name(), user, password)));
    }

    private ElasticsearchClient client(Optional<String> authorization) {
        List<Header> headers = new ArrayList<>();
        authorization.ifPresent(value -> headers.add(new BasicHeader("Authorization", value)));
        RestClient rest = RestClient.builder(HttpHost.create(url()))
                .setDefaultHeaders(headers.toArray(new Header[0]))
                // Two cores shared by several test JVMs make a cold node slow: no client gives up before a test does.
                .setRequestConfigCallback(config -> config.setSocketTimeout(120_000))
                .setHttpClientConfigCallback(http -> options.httpTls() == null ? http
                        : http.setSSLContext(options.httpTls().clientContext()))
                .build();
        return new ElasticsearchClient(new RestClientTransport(rest, new JacksonJsonpMapper()));
    }

    /** The node's server process, if it is running. */
    public Optional<ProcessHandle> process() {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Stops the node: SIGTERM, then SIGKILL after 30 s. Idempotent. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        RUNNING.remove(this);
        process().ifPresent(server -> {
            server.destroy();
            try {
                server.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                server.destroyForcibly();
            }
        });
        watchdog.destroy();
        log("stopped node '" + options.name() + "' on port " + httpPort);
    }

    static Optional<String> authorization(Options options) {
        if (!options.securityEnabled()) {
            return Optional.empty();
        }
        String pair = options.user() + ":" + options.password();
        return Optional.of("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }

    static void log(String message) {
        System.err.println("[testkit] " + message);
    }

    /** Prepares the node's directories, starts the server daemonized, waits until the cluster is healthy. */
    private static final class Launcher {
        private final Options options;
        private final boolean asRoot = Processes.currentUid() == 0;
        private Path home;
        private Path config;
        private Path nodeDir;
        private List<String> command;

        Launcher(Options options) {
            this.options = options;
        }

        ElasticsearchNode launch() throws IOException, InterruptedException {
            home = Distribution.unpacked(asRoot ? SERVICE_USER : null);
            int httpPort = FreePorts.pick();
            int transportPort = FreePorts.pick();
            nodeDir = home.getParent().resolve("nodes").resolve(options.name() + "-" + httpPort);
            config = nodeDir.resolve("config");
            Files.createDirectories(nodeDir.resolve("data"));
            Files.createDirectories(nodeDir.resolve("logs"));
            copyDirectory(home.resolve("config"), config);
            if (options.httpTls() != null) {
                // Elasticsearch reads TLS files only from inside its config directory.
                Files.copy(options.httpTls().serverKey(), config.resolve("http.key"), StandardCopyOption.REPLACE_EXISTING);
                Files.copy(options.httpTls().serverCertificate(), config.resolve("http.crt"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
            if (asRoot) {
                ServiceUser.ensureExists(SERVICE_USER);
                Processes.run(List.of("chown", "-R", SERVICE_USER, nodeDir.toString()), Duration.ofMinutes(1));
            }
            if (options.securityEnabled()) {
                run(home, config, List.of(home.resolve("bin/elasticsearch-users").toString(), "useradd",
                        options.user(), "-p", options.password(), "-r", "superuser"), Duration.ofMinutes(2));
            }
            Path pidFile = nodeDir.resolve("elasticsearch.pid");
            command = new ArrayList<>(List.of(home.resolve("bin/elasticsearch").toString(), "-d", "-p",
                    pidFile.toString()));
            for (String setting : settings(nodeDir, httpPort, transportPort)) {
                command.add("-E");
                command.add(setting);
            }
            log("starting Elasticsearch node '" + options.name() + "' on " + "127.0.0.1:" + httpPort
                    + (options.securityEnabled() ? " (security on" + (options.httpTls() != null ? ", HTTPS)" : ")") : "")
                    + " from " + home);
            long started = System.nanoTime();
            run(home, config, command, START_TIMEOUT);
            Process watchdog = Watchdog.guard(Long.parseLong(Files.readString(pidFile).trim()));
            ElasticsearchNode node = new ElasticsearchNode(options, httpPort, pidFile, watchdog, this);
            RUNNING.add(node);
            try {
                awaitHealthy(node, nodeDir);
            } catch (IOException | RuntimeException e) {
                node.close();
                throw e;
            }
            log("node '" + options.name() + "' is up at " + node.url() + " after "
                    + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s");
            return node;
        }

        /** The same command, directories and ports as the first launch. */
        void relaunch(ElasticsearchNode node) throws IOException, InterruptedException {
            log("restarting Elasticsearch node '" + options.name() + "' on 127.0.0.1:" + node.httpPort);
            long started = System.nanoTime();
            run(home, config, command, START_TIMEOUT);
            node.watchdog = Watchdog.guard(Long.parseLong(Files.readString(node.pidFile).trim()));
            awaitHealthy(node, nodeDir);
            log("node '" + options.name() + "' is up again after "
                    + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s");
        }

        private List<String> settings(Path nodeDir, int httpPort, int transportPort) {
            List<String> settings = new ArrayList<>(List.of(
                    "cluster.name=logpipe-test",
                    "node.name=" + options.name(),
                    "discovery.type=single-node",
                    "network.host=127.0.0.1",
                    "http.port=" + httpPort,
                    "transport.port=" + transportPort,
                    "path.data=" + nodeDir.resolve("data"),
                    "path.logs=" + nodeDir.resolve("logs"),
                    // A full build disk must not turn every index read-only in the middle of a test run.
                    "cluster.routing.allocation.disk.threshold_enabled=false",
                    "xpack.security.enabled=" + options.securityEnabled()));
            if (options.securityEnabled()) {
                if (options.httpTls() != null) {
                    settings.add("xpack.security.http.ssl.enabled=true");
                    settings.add("xpack.security.http.ssl.key=http.key");
                    settings.add("xpack.security.http.ssl.certificate=http.crt");
                } else {
                    settings.add("xpack.security.http.ssl.enabled=false");
                }
                settings.add("xpack.security.transport.ssl.enabled=false");
            }
            return settings;
        }

        /** Runs an Elasticsearch tool with the node's environment, as the service user when we are root. */
        private void run(Path home, Path config, List<String> tool, Duration timeout)
                throws IOException, InterruptedException {
            List<String> command = new ArrayList<>();
            if (asRoot) {
                command.addAll(List.of("runuser", "-u", SERVICE_USER, "--"));
            }
            command.add("env");
            command.add("ES_JAVA_HOME=" + System.getProperty("java.home"));
            command.add("ES_PATH_CONF=" + config);
            command.add("ES_JAVA_OPTS=-Xms512m -Xmx512m");
            command.addAll(tool);
            Processes.run(command, timeout);
        }

        private static void awaitHealthy(ElasticsearchNode node, Path nodeDir) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            URI health = URI.create(node.url() + "/_cluster/health?wait_for_status=yellow&timeout=1s");
            while (System.nanoTime() < deadline) {
                if (node.process().isEmpty()) {
                    throw new IOException("Elasticsearch exited during start-up; see the logs in " + nodeDir.resolve("logs"));
                }
                try {
                    HttpURLConnection connection = (HttpURLConnection) health.toURL().openConnection();
                    if (connection instanceof HttpsURLConnection https) {
                        https.setSSLSocketFactory(node.options.httpTls().clientContext().getSocketFactory());
                    }
                    connection.setConnectTimeout(1000);
                    connection.setReadTimeout(5000);
                    authorization(node.options).ifPresent(value -> connection.setRequestProperty("Authorization", value));
                    if (connection.getResponseCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(500);
            }
            throw new IOException("Elasticsearch was not healthy within " + START_TIMEOUT.toSeconds()
                    + " s; see the logs in " + nodeDir.resolve("logs"));
        }

        private static void copyDirectory(Path from, Path to) throws IOException {
            try (Stream<Path> files = Files.walk(from)) {
                for (Path source : (Iterable<Path>) files::iterator) {
                    Path target = to.resolve(from.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
    }
}
