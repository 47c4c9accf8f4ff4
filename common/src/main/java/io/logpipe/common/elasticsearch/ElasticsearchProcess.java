package io.logpipe.common.elasticsearch;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One Elasticsearch node run from the distribution zip that Maven resolved: unpacked once, started daemonized and
 * bound to loopback with its own config, data and logs under a node directory, as {@link ServiceUser#NAME} when we
 * are root, waited on until the cluster is yellow or green, and guarded by a {@link Watchdog} so that it never
 * outlives the JVM that started it. The appliance's embedded node and the test kit's nodes are both this.
 *
 * <p>Invariant: once {@link Builder#start()} returns, the node answers health yellow/green on {@link #url()}, and
 * {@link #close()} stops it (SIGTERM, SIGKILL after 30 s) whether or not it is still running.
 */
public final class ElasticsearchProcess implements AutoCloseable {
    /** Work on the node's config directory before start, e.g. copying TLS files or adding a file-realm user. */
    public interface ConfigStep {
        void apply(ElasticsearchProcess node, Path configDir) throws IOException, InterruptedException;
    }

    private final Builder spec;
    private final Path home;
    private final Path pidFile;
    private volatile Process watchdog;
    private volatile boolean stopped;
    private List<String> command;

    private ElasticsearchProcess(Builder spec, Path home) {
        this.spec = spec;
        this.home = home;
        this.pidFile = spec.nodeDir.resolve("elasticsearch.pid");
    }

    /** How to run a node: {@code zip} is the distribution, {@code nodeDir} holds its config, data and logs. */
    public static Builder builder(Path zip, Path distributionDir, Path nodeDir) {
        return new Builder(zip, distributionDir, nodeDir);
    }

    /** What a node is started with; {@link #start()} runs it. */
    public static final class Builder {
        private final Path zip;
        private final Path distributionDir;
        private final Path nodeDir;
        private String name = "logpipe";
        private String clusterName = "logpipe";
        private int httpPort = 9200;
        private int transportPort = 9300;
        private String heap = "1g";
        private String scheme = "http";
        private Duration startTimeout = Duration.ofMinutes(3);
        private final List<String> settings = new ArrayList<>();
        private List<String> seedHosts = List.of();
        private List<String> initialMasterNodes = List.of();
        private ElasticsearchDistribution.Preparation preparation;
        private final List<ConfigStep> configSteps = new ArrayList<>();
        private Consumer<HttpURLConnection> healthRequest = connection -> { };
        private Consumer<String> log = message -> System.err.println("[elasticsearch] " + message);

        private Builder(Path zip, Path distributionDir, Path nodeDir) {
            this.zip = zip;
            this.distributionDir = distributionDir.toAbsolutePath();
            this.nodeDir = nodeDir.toAbsolutePath();
        }

        public Builder name(String value) {
            name = value;
            return this;
        }

        public Builder clusterName(String value) {
            clusterName = value;
            return this;
        }

        public Builder ports(int http, int transport) {
            httpPort = http;
            transportPort = transport;
            return this;
        }

        /** The JVM heap, as for -Xmx (e.g. {@code 1g}, {@code 512m}); initial and maximum alike. */
        public Builder heap(String value) {
            if (!value.matches("\\d+[kKmMgG]")) {
                throw new IllegalArgumentException("heap must look like 512m or 1g, not '" + value + "'");
            }
            heap = value;
            return this;
        }

        /** One more {@code key=value} node setting, passed as {@code -E}. */
        public Builder setting(String keyEqualsValue) {
            settings.add(keyEqualsValue);
            return this;
        }

        /**
         * A node of a cluster instead of a single node: it finds the others at {@code seedHosts} (transport
         * addresses, {@code discovery.seed_hosts}); {@code initialMasterNodes} (node names,
         * {@code cluster.initial_master_nodes}) is given to the node that forms the cluster and left empty for the
         * nodes that join it.
         */
        public Builder discovery(List<String> seedHosts, List<String> initialMasterNodes) {
            if (seedHosts.isEmpty()) {
                throw new IllegalArgumentException("a cluster node needs at least one seed host");
            }
            this.seedHosts = List.copyOf(seedHosts);
            this.initialMasterNodes = List.copyOf(initialMasterNodes);
            return this;
        }

        /** {@code https} when the settings turn HTTP TLS on. */
        public Builder scheme(String value) {
            scheme = value;
            return this;
        }

        public Builder startTimeout(Duration value) {
            startTimeout = value;
            return this;
        }

        public Builder onUnpacked(ElasticsearchDistribution.Preparation value) {
            preparation = value;
            return this;
        }

        public Builder configStep(ConfigStep step) {
            configSteps.add(step);
            return this;
        }

        /** Adjusts each health request (credentials, TLS socket factory). */
        public Builder healthRequest(Consumer<HttpURLConnection> value) {
            healthRequest = value;
            return this;
        }

        public Builder log(Consumer<String> value) {
            log = value;
            return this;
        }

        /** Unpacks (once), configures and starts the node; returns when it is healthy, or throws saying why not. */
        public ElasticsearchProcess start() throws IOException, InterruptedException {
            boolean asRoot = Commands.currentUid() == 0;
            if (asRoot) {
                ServiceUser.ensureExists(ServiceUser.NAME, log);
                for (Path dir : List.of(distributionDir, nodeDir)) {
                    if (!ServiceUser.canReach(ServiceUser.NAME, dir)) {
                        throw new IOException(dir + " is not reachable by user " + ServiceUser.NAME + ", which runs"
                                + " Elasticsearch because we are root; put it below a directory others may enter");
                    }
                }
            }
            Path home = ElasticsearchDistribution.unpacked(zip, distributionDir, preparation, log);
            ElasticsearchProcess node = new ElasticsearchProcess(this, home);
            node.launch(asRoot);
            return node;
        }
    }

    private void launch(boolean asRoot) throws IOException, InterruptedException {
        Path config = configDir();
        Files.createDirectories(spec.nodeDir.resolve("data"));
        Files.createDirectories(spec.nodeDir.resolve("logs"));
        copyDirectory(home.resolve("config"), config);
        Files.deleteIfExists(pidFile);
        // Owned by the service user before the steps (its tools write there) and after them (they may add files).
        chownIfRoot(asRoot);
        for (ConfigStep step : spec.configSteps) {
            step.apply(this, config);
        }
        chownIfRoot(asRoot);
        command = new ArrayList<>(List.of(home.resolve("bin/elasticsearch").toString(), "-d", "-p",
                pidFile.toString()));
        for (String setting : settings()) {
            command.add("-E");
            command.add(setting);
        }
        spec.log.accept("starting Elasticsearch node '" + spec.name + "' on 127.0.0.1:" + spec.httpPort + " (heap "
                + spec.heap + ", data " + spec.nodeDir.resolve("data") + ")");
        startServer();
    }

    /**
     * Starts the server again after it died (killed with SIGKILL, say): the same command, directories, data and
     * ports as the first start, without configuring anything again; returns once it is healthy.
     */
    public synchronized void restart() throws IOException, InterruptedException {
        if (stopped) {
            throw new IllegalStateException("node '" + spec.name + "' was closed");
        }
        if (process().isPresent()) {
            throw new IllegalStateException("node '" + spec.name + "' is still running");
        }
        if (watchdog != null) {
            watchdog.destroy();
        }
        Files.deleteIfExists(pidFile);
        spec.log.accept("restarting Elasticsearch node '" + spec.name + "' on 127.0.0.1:" + spec.httpPort);
        startServer();
    }

    private void startServer() throws IOException, InterruptedException {
        long started = System.nanoTime();
        try {
            runTool(command, spec.startTimeout);
        } catch (IOException e) {
            throw new IOException("Elasticsearch did not start; see " + logFile() + "\n" + e.getMessage(), e);
        }
        watchdog = Watchdog.guard(Long.parseLong(Files.readString(pidFile).trim()));
        try {
            awaitHealthy();
        } catch (IOException | RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
        spec.log.accept("node '" + spec.name + "' is up at " + url() + " after "
                + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s");
    }

    private void chownIfRoot(boolean asRoot) throws IOException, InterruptedException {
        if (asRoot) {
            Commands.run(List.of("chown", "-R", ServiceUser.NAME, spec.nodeDir.toString()), Duration.ofMinutes(1));
        }
    }

    private List<String> settings() {
        List<String> settings = new ArrayList<>(List.of(
                "cluster.name=" + spec.clusterName,
                "node.name=" + spec.name,
                "network.host=127.0.0.1",
                "http.port=" + spec.httpPort,
                "transport.port=" + spec.transportPort,
                "path.data=" + spec.nodeDir.resolve("data"),
                "path.logs=" + spec.nodeDir.resolve("logs")));
        if (spec.seedHosts.isEmpty()) {
            settings.add("discovery.type=single-node");
        } else {
            settings.add("discovery.seed_hosts=" + String.join(",", spec.seedHosts));
            if (!spec.initialMasterNodes.isEmpty()) {
                settings.add("cluster.initial_master_nodes=" + String.join(",", spec.initialMasterNodes));
            }
        }
        settings.addAll(spec.settings);
        if (spec.settings.stream().noneMatch(s -> s.startsWith("xpack.security.enabled="))) {
            settings.add("xpack.security.enabled=false");
        }
        return settings;
    }

    /**
     * Runs an Elasticsearch tool (bin/elasticsearch, bin/elasticsearch-users) with the node's environment: this
     * JVM's Java, the node's config directory and heap; as {@link ServiceUser#NAME} when we are root.
     */
    public void runTool(List<String> tool, Duration timeout) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (Commands.currentUid() == 0) {
            command.addAll(List.of("runuser", "-u", ServiceUser.NAME, "--"));
        }
        command.add("env");
        command.add("ES_JAVA_HOME=" + System.getProperty("java.home"));
        command.add("ES_PATH_CONF=" + configDir());
        command.add("ES_JAVA_OPTS=-Xms" + spec.heap + " -Xmx" + spec.heap);
        command.addAll(tool);
        Commands.run(command, timeout);
    }

    private void awaitHealthy() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + spec.startTimeout.toNanos();
        URI health = URI.create(url() + "/_cluster/health?wait_for_status=yellow&timeout=1s");
        while (System.nanoTime() < deadline) {
            if (process().isEmpty()) {
                throw new IOException("Elasticsearch exited during start-up; see " + logFile());
            }
            try {
                HttpURLConnection connection = (HttpURLConnection) health.toURL().openConnection();
                spec.healthRequest.accept(connection);
                connection.setConnectTimeout(1000);
                connection.setReadTimeout(5000);
                if (connection.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IOException("Elasticsearch was not healthy within " + spec.startTimeout.toSeconds() + " s; see "
                + logFile());
    }

    /** e.g. {@code http://127.0.0.1:9200}. */
    public String url() {
        return spec.scheme + "://127.0.0.1:" + spec.httpPort;
    }

    public int httpPort() {
        return spec.httpPort;
    }

    public String name() {
        return spec.name;
    }

    public Path home() {
        return home;
    }

    public Path nodeDir() {
        return spec.nodeDir;
    }

    public Path configDir() {
        return spec.nodeDir.resolve("config");
    }

    /** The node's main log, where start-up failures are explained. */
    public Path logFile() {
        return spec.nodeDir.resolve("logs").resolve(spec.clusterName + ".log");
    }

    /** The node's server process, while it runs. */
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
        process().ifPresent(server -> {
            server.destroy();
            try {
                server.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                server.destroyForcibly();
            }
        });
        if (watchdog != null) {
            watchdog.destroy();
        }
        spec.log.accept("stopped node '" + spec.name + "' on port " + spec.httpPort);
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
