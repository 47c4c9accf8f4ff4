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
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A real Apache Kafka broker (org.apache.kafka:kafka_2.13, the version pinned in the parent pom): KRaft, one node
 * that is both broker and controller, on 127.0.0.1 with free ports, run as a child JVM.
 *
 * <p>The shipper and the indexer may depend only on the Kafka protocol; testing them against Apache Kafka itself
 * proves that. Brokers stop with the test JVM (shutdown hook, and a watchdog for kill -9).
 */
public final class KafkaBroker implements AutoCloseable {
    private static final String CLASSPATH_RESOURCE = "kafka-broker.classpath";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final List<KafkaBroker> RUNNING = new CopyOnWriteArrayList<>();
    private static KafkaBroker shared;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(KafkaBroker::close), "kafka-broker-stopper"));
    }

    private final int port;
    private final Path dir;
    private final Process process;
    private final Process watchdog;
    private volatile boolean stopped;

    private KafkaBroker(int port, Path dir, Process process, Process watchdog) {
        this.port = port;
        this.dir = dir;
        this.process = process;
        this.watchdog = watchdog;
    }

    /** The broker shared by every test of this JVM; started on first use. */
    public static synchronized KafkaBroker shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    /** Starts a broker of its own; close it when done (or leave it to the shutdown hook). */
    public static KafkaBroker start() {
        try {
            return launch();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Apache Kafka", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting Apache Kafka", e);
        }
    }

    /** e.g. {@code 127.0.0.1:39092} */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Where the broker keeps its data and its log ({@code broker.log}). */
    public Path directory() {
        return dir;
    }

    /** Creates a topic with {@code partitions} partitions (replication factor 1) and waits until it exists. */
    public void createTopic(String name, int partitions) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
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
        ElasticsearchNode.log("stopped Apache Kafka on port " + port);
    }

    private static KafkaBroker launch() throws IOException, InterruptedException {
        int port = FreePorts.pick();
        int controllerPort = FreePorts.pick();
        Path base = Path.of(System.getProperty(Distribution.DIR_PROPERTY, "target/testkit")).toAbsolutePath();
        Path dir = base.resolve("kafka-" + port);
        Files.createDirectories(dir.resolve("data"));
        Path config = dir.resolve("server.properties");
        Properties settings = new Properties();
        settings.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", "1"),
                Map.entry("controller.quorum.voters", "1@127.0.0.1:" + controllerPort),
                Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"),
                Map.entry("log.dirs", dir.resolve("data").toString()),
                Map.entry("num.partitions", "1"),
                Map.entry("auto.create.topics.enable", "true"),
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "4"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                // Tests start consumers right away; Kafka's 3 s default delay for the first rebalance only slows them.
                Map.entry("group.initial.rebalance.delay.ms", "0")));
        try (var out = Files.newBufferedWriter(config)) {
            settings.store(out, "written by io.logpipe.testkit.KafkaBroker");
        }

        String classpath = classpath();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("broker.log");
        ElasticsearchNode.log("starting Apache Kafka on " + "127.0.0.1:" + port + " (data and log in " + dir + ")");
        long started = System.nanoTime();
        Processes.run(List.of(java, "-Xmx256m", "-cp", classpath, "kafka.tools.StorageTool", "format",
                "-t", clusterId(), "-c", config.toString()), Duration.ofMinutes(1));
        List<String> command = new ArrayList<>(List.of(java, "-Xms128m", "-Xmx512m", "-XX:+UseG1GC",
                "-Dlog4j2.level=WARN", "-cp", classpath, "kafka.Kafka", config.toString()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Process watchdog = Watchdog.guard(process.pid());
        KafkaBroker broker = new KafkaBroker(port, dir, process, watchdog);
        RUNNING.add(broker);
        try {
            broker.awaitReady(log);
        } catch (IOException | RuntimeException e) {
            broker.close();
            throw e;
        }
        ElasticsearchNode.log("Apache Kafka is up at " + broker.bootstrapServers() + " after "
                + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s");
        return broker;
    }

    private void awaitReady(Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try (Admin admin = admin()) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IOException("Apache Kafka exited during start-up (exit " + process.exitValue() + "); see " + log);
                }
                try {
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException | java.util.concurrent.TimeoutException notYet) {
                    Thread.sleep(200);
                }
            }
        }
        throw new IOException("Apache Kafka was not ready within " + START_TIMEOUT.toSeconds() + " s; see " + log);
    }

    /** The broker's runtime classpath, written by the testkit build (maven-dependency-plugin build-classpath). */
    private static String classpath() throws IOException {
        try (InputStream in = KafkaBroker.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IOException("resource " + CLASSPATH_RESOURCE + " is missing: build the testkit through Maven");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }

    /** A KRaft cluster id: 16 random bytes, base64url without padding, as kafka-storage random-uuid prints. */
    private static String clusterId() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
