package io.logpipe.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A broker that speaks the Kafka protocol, run as a child JVM on 127.0.0.1 with free ports: either the bundled queue
 * (io.logpipe.queue.QueueServer, when the module has the queue on its test classpath) or a real Apache Kafka broker
 * (org.apache.kafka:kafka_2.13, the version pinned in the parent pom; KRaft, one node that is both broker and
 * controller). {@link #shared()} picks by the system property {@value #KIND_PROPERTY}: {@code queue} (the parent
 * pom's default) or {@code kafka}, so the same tests prove the shipper and the indexer against both.
 *
 * <p>The shipper and the indexer may depend only on the Kafka protocol; these tests prove it. Brokers stop with the
 * test JVM (shutdown hook, and a watchdog for kill -9). A fault test can {@link #kill()} one with SIGKILL and
 * {@link #restart()} it on the same data; {@link KafkaCluster} runs several Apache Kafka nodes, each one of these,
 * as one cluster.
 */
public final class KafkaBroker implements AutoCloseable {
    /** Which broker {@link #shared()} starts: {@code queue} or {@code kafka}. */
    public static final String KIND_PROPERTY = "testkit.broker";
    private static final String QUEUE_MAIN = "io.logpipe.queue.QueueServer";
    private static final String CLASSPATH_RESOURCE = "kafka-broker.classpath";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final CopyOnWriteArrayList<KafkaBroker> RUNNING = new CopyOnWriteArrayList<>();
    private static KafkaBroker shared;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(KafkaBroker::close), "kafka-broker-stopper"));
    }

    /** The two brokers the tests can run against. */
    public enum Kind {
        /** The bundled queue of this project. */
        QUEUE,
        /** Apache Kafka itself. */
        KAFKA;

        static Kind fromProperty() {
            String value = System.getProperty(KIND_PROPERTY, "queue").trim();
            return switch (value) {
                case "queue", "" -> QUEUE;
                case "kafka" -> KAFKA;
                default -> throw new IllegalArgumentException(KIND_PROPERTY + "=" + value + ": expected queue or kafka");
            };
        }
    }

    /**
     * What a test asks of its own broker beyond the defaults: more listeners (each on a free port, advertised as
     * 127.0.0.1, with its security protocol added to {@code listener.security.protocol.map}) and more
     * server.properties keys. Both kinds get the same keys, so one test runs against both the same way. The first
     * listener stays {@code PLAINTEXT}: {@link #admin()} and the readiness check use it.
     */
    public static final class Options {
        private final Kind kind;
        private final Map<String, String> listeners = new LinkedHashMap<>();
        private final Map<String, String> properties = new LinkedHashMap<>();

        private Options(Kind kind) {
            this.kind = kind;
        }

        /** Adds listener {@code name} (e.g. {@code SECURE}) speaking {@code protocol} (SSL, SASL_PLAINTEXT, SASL_SSL). */
        public Options listener(String name, String protocol) {
            String upper = name.toUpperCase(Locale.ROOT);
            if (upper.equals("PLAINTEXT") || upper.equals("CONTROLLER")) {
                throw new IllegalArgumentException("listener name " + name + " is taken by the testkit");
            }
            listeners.put(upper, protocol);
            return this;
        }

        /** Sets a server.properties key, e.g. {@code ssl.keystore.location}. */
        public Options property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        public KafkaBroker start() {
            return KafkaBroker.start(this);
        }
    }

    /** Options for a broker of the kind {@value #KIND_PROPERTY} names. */
    public static Options with() {
        return new Options(Kind.fromProperty());
    }

    /** Options for a broker of {@code kind}. */
    public static Options with(Kind kind) {
        return new Options(kind);
    }

    private final Kind kind;
    private final int nodeId;
    private final int port;
    private final Map<String, Integer> listenerPorts;
    private final Path dir;
    private final List<String> command;
    private volatile Process process;
    private volatile Process watchdog;
    private volatile boolean stopped;
    private volatile long started;

    private KafkaBroker(Kind kind, int nodeId, int port, Map<String, Integer> listenerPorts, Path dir,
            List<String> command) {
        this.kind = kind;
        this.nodeId = nodeId;
        this.port = port;
        this.listenerPorts = Map.copyOf(listenerPorts);
        this.dir = dir;
        this.command = List.copyOf(command);
    }

    /** The broker shared by every test of this JVM, of the kind {@value #KIND_PROPERTY} names; started on first use. */
    public static synchronized KafkaBroker shared() {
        if (shared == null) {
            shared = start(Kind.fromProperty());
        }
        return shared;
    }

    /** Starts a broker of its own, of the kind {@value #KIND_PROPERTY} names; close it when done. */
    public static KafkaBroker start() {
        return start(Kind.fromProperty());
    }

    /** Starts a broker of its own; close it when done (or leave it to the shutdown hook). */
    public static KafkaBroker start(Kind kind) {
        return start(new Options(kind));
    }

    private static KafkaBroker start(Options options) {
        Kind kind = options.kind;
        try {
            return launch(options);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name(kind), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + name(kind), e);
        }
    }

    public Kind kind() {
        return kind;
    }

    /** The broker's {@code node.id} (1 for a broker of its own; 1 to N in a {@link KafkaCluster}). */
    public int nodeId() {
        return nodeId;
    }

    /** The broker's process while it runs (a fault test kills it with {@link #kill()}). */
    public Optional<ProcessHandle> process() {
        Process p = process;
        return p != null && p.isAlive() ? Optional.of(p.toHandle()) : Optional.empty();
    }

    /** SIGKILL, as a crash would: no controlled shutdown, nothing flushed. Returns once the process is gone. */
    public synchronized void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name(kind) + " on port " + port + " did not die within 60 s of SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing " + name(kind), e);
        }
        watchdog.destroy();
        ElasticsearchNode.log("killed " + name(kind) + " node " + nodeId + " on port " + port + " (SIGKILL)");
    }

    /**
     * Starts the broker again after {@link #kill()} (or a crash): the same command, ports and data, nothing
     * formatted again, the log appended to; returns once it answers (in a cluster: once it is back in the
     * cluster's metadata, see {@link KafkaCluster#restart}).
     */
    public synchronized void restart() {
        if (stopped) {
            throw new IllegalStateException(name(kind) + " on port " + port + " was closed");
        }
        if (process().isPresent()) {
            throw new IllegalStateException(name(kind) + " on port " + port + " is still running");
        }
        try {
            spawn(true);
            awaitReady();
        } catch (IOException e) {
            throw new UncheckedIOException("could not restart " + name(kind) + " on port " + port, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restarting " + name(kind), e);
        }
    }

    /** e.g. {@code 127.0.0.1:39092} */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The address of the listener {@code name} given to {@link Options#listener}, e.g. {@code 127.0.0.1:39093}. */
    public String bootstrapServers(String name) {
        Integer listenerPort = listenerPorts.get(name.toUpperCase(Locale.ROOT));
        if (listenerPort == null) {
            throw new IllegalArgumentException("no listener " + name + "; this broker has PLAINTEXT and " + listenerPorts.keySet());
        }
        return "127.0.0.1:" + listenerPort;
    }

    /** Where the broker keeps its data and its log ({@code broker.log}). */
    public Path directory() {
        return dir;
    }

    /** Creates a topic with {@code partitions} partitions (replication factor 1) and waits until it exists. */
    public void createTopic(String name, int partitions) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create topic " + name + " on " + bootstrapServers(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A new admin client for this broker; close it when done. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    /** Stops the broker: SIGTERM (a controlled shutdown), then SIGKILL after 30 s. Idempotent. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        RUNNING.remove(this);
        Process process = this.process;
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        watchdog.destroy();
        ElasticsearchNode.log("stopped " + name(kind) + " on port " + port);
    }

    static String name(Kind kind) {
        return kind == Kind.QUEUE ? "the bundled queue" : "Apache Kafka";
    }

    private static KafkaBroker launch(Options options) throws IOException, InterruptedException {
        int port = FreePorts.pick();
        int controllerPort = options.kind == Kind.KAFKA ? FreePorts.pick() : 0;
        KafkaBroker broker = prepare(options, 1, port, controllerPort, "1@127.0.0.1:" + controllerPort, clusterId());
        broker.spawn(false);
        try {
            broker.awaitReady();
        } catch (IOException | RuntimeException e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    /**
     * Writes the server.properties of node {@code nodeId} and, for Apache Kafka, formats its storage with
     * {@code clusterId} ({@code voters} is its controller.quorum.voters); does not start it. {@link KafkaCluster}
     * prepares each of its nodes this way, so a single broker and a cluster's nodes are configured alike.
     */
    static KafkaBroker prepare(Options options, int nodeId, int port, int controllerPort, String voters,
            String clusterId) throws IOException, InterruptedException {
        Kind kind = options.kind;
        Map<String, Integer> listenerPorts = new LinkedHashMap<>();
        StringBuilder extraListeners = new StringBuilder();
        StringBuilder extraAdvertised = new StringBuilder();
        StringBuilder extraProtocols = new StringBuilder();
        for (Map.Entry<String, String> listener : options.listeners.entrySet()) {
            int listenerPort = FreePorts.pick();
            listenerPorts.put(listener.getKey(), listenerPort);
            extraListeners.append(',').append(listener.getKey()).append("://127.0.0.1:").append(listenerPort);
            extraAdvertised.append(',').append(listener.getKey()).append("://127.0.0.1:").append(listenerPort);
            extraProtocols.append(',').append(listener.getKey()).append(':').append(listener.getValue());
        }
        Path base = Path.of(System.getProperty(Distribution.DIR_PROPERTY, "target/testkit")).toAbsolutePath();
        Path dir = base.resolve(kind.name().toLowerCase(Locale.ROOT) + "-" + port);
        Files.createDirectories(dir.resolve("data"));
        Path config = dir.resolve("server.properties");
        Properties settings = new Properties();
        settings.putAll(Map.of(
                "node.id", Integer.toString(nodeId),
                "advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + extraAdvertised,
                "log.dirs", dir.resolve("data").toString(),
                "num.partitions", "1",
                "auto.create.topics.enable", "true",
                // Tests start consumers right away; the 3 s default delay of the first rebalance only slows them.
                "group.initial.rebalance.delay.ms", "0"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command;
        if (kind == Kind.KAFKA) {
            settings.putAll(Map.ofEntries(
                    Map.entry("process.roles", "broker,controller"),
                    Map.entry("controller.quorum.voters", voters),
                    Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + port + extraListeners
                            + ",CONTROLLER://127.0.0.1:" + controllerPort),
                    Map.entry("controller.listener.names", "CONTROLLER"),
                    Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                    Map.entry("listener.security.protocol.map",
                            "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT" + extraProtocols),
                    Map.entry("offsets.topic.replication.factor", "1"),
                    Map.entry("offsets.topic.num.partitions", "4"),
                    Map.entry("transaction.state.log.replication.factor", "1"),
                    Map.entry("transaction.state.log.min.isr", "1"),
                    Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                    Map.entry("share.coordinator.state.topic.min.isr", "1")));
            settings.putAll(options.properties);
            store(settings, config);
            String classpath = kafkaClasspath();
            Processes.run(List.of(java, "-Xmx256m", "-cp", classpath, "kafka.tools.StorageTool", "format",
                    "--cluster-id=" + clusterId, "-c", config.toString()), Duration.ofMinutes(1));
            command = List.of(java, "-Xms128m", "-Xmx512m", "-XX:+UseG1GC", "-cp", classpath, "kafka.Kafka",
                    config.toString());
        } else {
            try {
                Class.forName(QUEUE_MAIN, false, KafkaBroker.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IOException("the bundled queue (" + QUEUE_MAIN + ") is not on this module's test classpath: "
                        + "add io.logpipe:queue as a test dependency, or run with -D" + KIND_PROPERTY + "=kafka");
            }
            settings.put("listeners", "PLAINTEXT://127.0.0.1:" + port + extraListeners);
            if (!options.listeners.isEmpty()) {
                settings.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT" + extraProtocols);
            }
            settings.putAll(options.properties);
            store(settings, config);
            command = List.of(java, "-Xms64m", "-Xmx256m", "-cp", System.getProperty("java.class.path"), QUEUE_MAIN,
                    config.toString());
        }
        return new KafkaBroker(kind, nodeId, port, listenerPorts, dir, command);
    }

    /** Starts the prepared process (output to {@code broker.log}, appended to on a restart) under a watchdog. */
    synchronized void spawn(boolean again) throws IOException {
        Path log = dir.resolve("broker.log");
        ElasticsearchNode.log((again ? "restarting " : "starting ") + name(kind) + (nodeId == 1 ? "" : " node " + nodeId)
                + " on 127.0.0.1:" + port + " (data and log in " + dir + ")");
        started = System.nanoTime();
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(again ? ProcessBuilder.Redirect.appendTo(log.toFile())
                        : ProcessBuilder.Redirect.to(log.toFile()))
                .start();
        watchdog = Watchdog.guard(process.pid());
        RUNNING.addIfAbsent(this);
    }

    private static void store(Properties settings, Path file) throws IOException {
        try (var out = Files.newBufferedWriter(file)) {
            settings.store(out, "written by io.logpipe.testkit.KafkaBroker");
        }
    }

    /** Returns once the broker answers a metadata request on its PLAINTEXT listener. */
    void awaitReady() throws IOException, InterruptedException {
        Path log = dir.resolve("broker.log");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try (Admin admin = admin()) {
            while (System.nanoTime() < deadline) {
                Process p = process;
                if (!p.isAlive()) {
                    throw new IOException(name(kind) + " exited during start-up (exit " + p.exitValue() + "); see " + log);
                }
                try {
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    ElasticsearchNode.log(name(kind) + (nodeId == 1 ? "" : " node " + nodeId) + " is up at "
                            + bootstrapServers() + " after " + Duration.ofNanos(System.nanoTime() - started).toSeconds()
                            + " s");
                    return;
                } catch (ExecutionException | TimeoutException notYet) {
                    Thread.sleep(200); // polling interval of the readiness check above
                }
            }
        }
        throw new IOException(name(kind) + " was not ready within " + START_TIMEOUT.toSeconds() + " s; see " + log);
    }

    /** The broker's runtime classpath, written by the testkit build (maven-dependency-plugin build-classpath). */
    private static String kafkaClasspath() throws IOException {
        try (InputStream in = KafkaBroker.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IOException("resource " + CLASSPATH_RESOURCE + " is missing: build the testkit through Maven");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }

    /**
     * A KRaft cluster id: 16 random bytes, base64url without padding, as kafka-storage random-uuid prints. It may
     * start with '-', hence {@code --cluster-id=ID} in one argument above.
     */
    static String clusterId() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
