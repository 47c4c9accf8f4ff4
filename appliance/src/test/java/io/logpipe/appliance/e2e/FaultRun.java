package io.logpipe.appliance.e2e;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logpipe.testkit.ElasticsearchCluster;
import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.FreePorts;
import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.KafkaCluster;
import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The whole pipeline on one host, as a user runs it: {@code bin/queue-server}, {@code bin/indexer} and
 * {@code bin/shipper} from this checkout, and an Elasticsearch node of its own. Numbered lines are appended to a log
 * at a steady rate (rotated by rename, once by copytruncate, with bad input among them) while each part in turn is
 * killed with SIGKILL and started again; then every part is stopped and what Elasticsearch holds is read back.
 * Used by the CI fault test (small) and by {@code bench/e2e} (large, with a latency probe). Scaled out (see
 * {@link Plan}), an Apache Kafka cluster takes the queue's place and one of its brokers is killed, and Elasticsearch
 * is a cluster of which one node is killed.
 */
final class FaultRun {
    /** JSON lines shipped decoded ({@code json.keys_under_root}); the one at {@link #CONFLICTING_JSON} has a text status. */
    static final int JSON_LINES = 10;
    static final int CONFLICTING_JSON = 7;
    static final String TOPIC = "e2e";
    /** The shipper's max_bytes for app.log. */
    static final int MAX_BYTES = 65_536;
    private static final Duration CONDITION_TIMEOUT = Duration.ofMinutes(5);

    /**
     * How big a run is, and against what: {@code kafkaBrokers} 0 is the bundled queue ({@code bin/queue-server}),
     * N an Apache Kafka cluster of N brokers instead; {@code esNodes} is the size of the Elasticsearch cluster.
     */
    record Plan(long minLines, int linesPerSecond, int killRounds, int rotateEvery, Duration probeFor,
                int kafkaBrokers, int esNodes) {
        /** On one host as the appliance runs it: the bundled queue and one Elasticsearch node. */
        Plan(long minLines, int linesPerSecond, int killRounds, int rotateEvery, Duration probeFor) {
            this(minLines, linesPerSecond, killRounds, rotateEvery, probeFor, 0, 1);
        }

        Plan {
            if (kafkaBrokers < 0 || esNodes < 1) {
                throw new IllegalArgumentException("kafkaBrokers >= 0 and esNodes >= 1, not " + kafkaBrokers + " and "
                        + esNodes);
            }
        }
    }

    /**
     * What a run found. {@code deadLettersCounted} and {@code outputFailures} are what the indexer's monitoring API
     * said once the JSON lines had gone through (before any kill: its counters start again with the process).
     */
    record Result(long lines, Map<String, Integer> kills, List<String> killed, long documents, long distinct,
                  List<Long> missing, long jsonDocuments, List<String> deadLetters, long deadLettersCounted,
                  long outputFailures, IndexedLines.Scan scan, int rotations, int copyTruncations,
                  long[] probeMillis, long[] probeInQueueMillis, String probeStall) {
        long lost() {
            return lines - distinct;
        }

        long duplicated() {
            return documents - distinct;
        }
    }

    private final Path work;
    private final Plan plan;
    private final Path repo;

    FaultRun(Path work, Plan plan) {
        this.work = work;
        this.plan = plan;
        this.repo = repositoryRoot();
    }

    /** The checkout this test runs from (the launchers use its modules' jars). */
    static Path repositoryRoot() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.isExecutable(dir.resolve("bin/shipper"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no bin/shipper above " + System.getProperty("user.dir"));
        }
        return dir;
    }

    static void log(String message) {
        System.err.println("[e2e] " + message);
    }

    Result run() throws Exception {
        Path logs = Files.createDirectories(work.resolve("logs"));
        Path output = Files.createDirectories(work.resolve("output"));
        for (String module : List.of("shipper", "queue", "indexer")) {
            if (!Files.isRegularFile(repo.resolve(module).resolve("target").resolve(module + ".jar"))) {
                log(module + ".jar is missing: the launcher builds it first (mvn package)");
            }
        }
        try (Search search = plan.esNodes() == 1 ? new OneNode() : new NodeCluster(plan.esNodes());
             Brokers brokers = plan.kafkaBrokers() == 0 ? new BundledQueue(output) : new KafkaBrokers(plan.kafkaBrokers())) {
            ElasticsearchClient client = search.client();
            IndexedLines indexed = new IndexedLines(client);
            indexed.createTemplate(plan.esNodes() - 1);
            int indexerHttpPort = FreePorts.pick();
            Component indexer = new Component("indexer", repo.resolve("bin/indexer"),
                    List.of("-f", pipeline(brokers.bootstrap(), search.urls()).toString(), "--path.data",
                            work.resolve("indexer").toString(), "--http.port", Integer.toString(indexerHttpPort)),
                    output, Map.of());
            Component shipper = new Component("shipper", repo.resolve("bin/shipper"),
                    List.of("-c", shipperConfig(brokers.bootstrap(), logs).toString(), "-e"), output, Map.of());
            List<Component> components = List.of(indexer, shipper);
            Map<String, Integer> kills = new LinkedHashMap<>();
            List<String> killed = new ArrayList<>();
            try (SequencedLog app = new SequencedLog(logs, plan.rotateEvery());
                 Writer writer = new Writer(app, indexed)) {
                writeJsonLines(logs.resolve("events.json"));
                Files.createFile(logs.resolve("probe.log")); // harvested from the start, not found by a later scan
                brokers.start();
                for (Component c : components) {
                    c.start();
                }
                // Every part up and the whole way flowing before the numbered lines start: the kills then meet
                // lines in flight, not a pipeline still starting.
                await("the JSON lines through the whole pipeline", indexed::jsonLines, JSON_LINES - 1, null);
                // The conflicting one is counted (read now: the indexer's counters start again when it is killed).
                IndexerStats stats = new IndexerStats(indexerHttpPort);
                Wait.until("the dead-lettered JSON line counted by the indexer's monitoring API",
                        CONDITION_TIMEOUT, Duration.ofMillis(100), () -> stats.deadLetters() >= 1 && stats.outputFailures() >= 1);
                long deadLettersCounted = stats.deadLetters();
                long outputFailures = stats.outputFailures();
                writer.start();
                List<String> parts = List.of("shipper", brokers.part(), "indexer", search.part());
                int total = parts.size() * plan.killRounds();
                for (int k = 0; k < total; k++) {
                    String part = parts.get(k % parts.size());
                    int round = k / parts.size();
                    // spread over the run: the k-th kill once that share of the planned lines is searchable
                    long threshold = plan.minLines() * (k + 1) / (total + 1);
                    await("lines arriving before the " + part + " is killed", indexed::numberedLines, threshold,
                            writer);
                    log("SIGKILL " + part + " (" + app.written() + " lines written, " + indexed.numberedLines()
                            + " searchable)");
                    String which;
                    if (part.equals(search.part())) {
                        which = search.killAndRestart(round);
                    } else if (part.equals(brokers.part())) {
                        which = brokers.killAndRestart(round);
                    } else {
                        Component c = part.equals("shipper") ? shipper : indexer;
                        c.kill();
                        c.start();
                        which = part;
                    }
                    log("restarted " + which);
                    killed.add(which);
                    kills.merge(part, 1, Integer::sum);
                }
                long[][] probes = {new long[0], new long[0]};
                String[] stall = {null};
                if (!plan.probeFor().isZero()) {
                    writer.keepWriting(); // the probe measures a pipeline under the planned rate
                    await("the pipeline caught up before the probe", indexed::numberedLines, app.written(), writer);
                    try (QueueTail tail = new QueueTail(brokers.bootstrap())) {
                        probes = probe(logs.resolve("probe.log"), indexed, writer, tail, stall);
                    }
                }
                writer.finish();
                long lines = app.written();
                log("writing stopped at " + lines + " lines; waiting until all are searchable");
                await("every line searchable", indexed::numberedLines, lines, null);
                await("every JSON line searchable but the conflicting one", indexed::jsonLines, JSON_LINES - 1, null);
                // Stopped the ordinary way, so nothing is still in flight: a late duplicate would show in the scan.
                shipper.close();
                indexer.close();
                brokers.close();
                IndexedLines.Scan scan = indexed.scan();
                return new Result(lines, kills, killed, scan.documents, scan.distinct(), scan.missing(lines),
                        indexed.jsonLines(), deadLetters(), deadLettersCounted, outputFailures, scan, app.rotations(),
                        app.copyTruncations(), probes[0], probes[1], stall[0]);
            } finally {
                for (Component c : components) {
                    c.close();
                }
                client._transport().close();
            }
        }
    }

    /** Where the shipper writes and the indexer reads; one part of it is killed in each round. */
    private interface Brokers extends AutoCloseable {
        String bootstrap();

        /** The part's name in {@link Result#kills()}. */
        String part();

        void start() throws Exception;

        /** SIGKILL to the broker (one of them), started again; returns once it is back, saying which it was. */
        String killAndRestart(int round) throws Exception;

        @Override
        void close() throws Exception;
    }

    /** The bundled queue through {@code bin/queue-server}, as the appliance runs it. */
    private final class BundledQueue implements Brokers {
        private final int port = FreePorts.pick();
        private final Component queue;

        BundledQueue(Path output) throws IOException {
            queue = new Component("queue", repo.resolve("bin/queue-server"), List.of(queueConfig(port).toString()),
                    output, Map.of());
        }

        @Override
        public String bootstrap() {
            return "127.0.0.1:" + port;
        }

        @Override
        public String part() {
            return "queue";
        }

        @Override
        public void start() throws IOException {
            queue.start();
        }

        @Override
        public String killAndRestart(int round) throws Exception {
            queue.kill();
            queue.start();
            return "queue";
        }

        @Override
        public void close() throws InterruptedException {
            queue.close();
        }
    }

    /**
     * An Apache Kafka cluster instead of the queue: topic {@value #TOPIC} with replication factor N (3 partitions),
     * {@code min.insync.replicas} 2, the shipper with {@code required_acks: -1}. Each kill takes the broker that
     * leads partition 0 at that moment; it is back once every replica is in sync again.
     */
    private static final class KafkaBrokers implements Brokers {
        private final int size;
        private final KafkaCluster cluster;

        KafkaBrokers(int size) {
            this.size = size;
            this.cluster = KafkaCluster.start(size);
        }

        @Override
        public String bootstrap() {
            return cluster.bootstrapServers();
        }

        @Override
        public String part() {
            return "kafka-broker";
        }

        @Override
        public void start() {
            cluster.createTopic(TOPIC, 3, size, Map.of("min.insync.replicas", Integer.toString(Math.min(2, size))));
        }

        @Override
        public String killAndRestart(int round) {
            int leader = cluster.leader(TOPIC, 0);
            KafkaBroker broker = cluster.broker(leader);
            broker.kill();
            cluster.restart(broker, TOPIC, CONDITION_TIMEOUT);
            return "kafka broker " + leader + " (leader of " + TOPIC + "-0)";
        }

        @Override
        public void close() {
            cluster.close();
        }
    }

    /** Elasticsearch: one node, or a cluster; one node is killed in each round. */
    private interface Search extends AutoCloseable {
        List<String> urls();

        ElasticsearchClient client();

        /** The part's name in {@link Result#kills()}. */
        String part();

        /** SIGKILL to a node, started again on its data; returns once it is back, saying which it was. */
        String killAndRestart(int round) throws Exception;

        @Override
        void close();
    }

    /** One node of its own, restarted on the same data after each kill. */
    private static final class OneNode implements Search {
        private final ElasticsearchNode es = ElasticsearchNode.start(ElasticsearchNode.Options.insecure("e2e"));

        @Override
        public List<String> urls() {
            return List.of(es.url());
        }

        @Override
        public ElasticsearchClient client() {
            return es.client();
        }

        @Override
        public String part() {
            return "elasticsearch";
        }

        @Override
        public String killAndRestart(int round) {
            es.kill();
            es.restart();
            return "elasticsearch";
        }

        @Override
        public void close() {
            es.close();
        }
    }

    /**
     * A cluster of N nodes, the index with 1 replica. Even rounds kill a node that is not the elected master (the
     * cluster stays up; a primary on it fails over to the replica), odd rounds the master (with two nodes the
     * cluster then waits for it: its voting configuration is that one node).
     */
    private static final class NodeCluster implements Search {
        private final ElasticsearchCluster cluster;

        NodeCluster(int size) {
            cluster = ElasticsearchCluster.start("e2e", size);
        }

        @Override
        public List<String> urls() {
            return cluster.urls();
        }

        @Override
        public ElasticsearchClient client() {
            return cluster.client();
        }

        @Override
        public String part() {
            return "elasticsearch-node";
        }

        @Override
        public String killAndRestart(int round) throws IOException {
            String master = cluster.master();
            ElasticsearchNode victim = cluster.nodes().stream()
                    .filter(n -> round % 2 == 0 ? !n.name().equals(master) : n.name().equals(master))
                    .findFirst().orElseThrow();
            String primaryOn = primaryHolder();
            victim.kill();
            cluster.restart(victim, CONDITION_TIMEOUT);
            return "elasticsearch node " + victim.name() + " (" + (victim.name().equals(master) ? "" : "not ")
                    + "the master; " + (victim.name().equals(primaryOn) ? "held" : "did not hold") + " the primary of "
                    + IndexedLines.INDEX + ")";
        }

        private String primaryHolder() throws IOException {
            ElasticsearchClient client = cluster.client();
            try {
                return client.cat().shards(s -> s.index(IndexedLines.INDEX)).valueBody().stream()
                        .filter(r -> "p".equals(r.prirep())).map(r -> r.node()).findFirst().orElse("?");
            } finally {
                client._transport().close();
            }
        }

        @Override
        public void close() {
            cluster.close();
        }
    }

    /** The indexer's monitoring API ({@code GET /_node/stats/pipelines/main}). */
    private static final class IndexerStats {
        private final URI uri;
        private final HttpClient http = HttpClient.newHttpClient();

        IndexerStats(int port) {
            uri = URI.create("http://127.0.0.1:" + port + "/_node/stats/pipelines/main");
        }

        private JsonNode pipeline() throws IOException, InterruptedException {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException(uri + " answered " + response.statusCode() + ": " + response.body());
            }
            return new ObjectMapper().readTree(response.body()).path("pipelines").path("main");
        }

        /** {@code dead_letter_queue.count}: entries written since the indexer started. */
        long deadLetters() throws IOException, InterruptedException {
            return pipeline().path("dead_letter_queue").path("count").asLong(-1);
        }

        /** The elasticsearch output's {@code failures}: events it could never deliver (dead-lettered). */
        long outputFailures() throws IOException, InterruptedException {
            for (JsonNode plugin : pipeline().path("plugins").path("outputs")) {
                if ("elasticsearch".equals(plugin.path("name").asText())) {
                    return plugin.path("failures").asLong(-1);
                }
            }
            return -1;
        }
    }

    /**
     * Appends the numbered lines at the planned rate on a thread of its own: at least {@code minLines}, on until the
     * kills are done (at most twice as many, unless the probe needs more), with the copytruncate at two thirds of
     * {@code minLines}.
     */
    private final class Writer extends Thread implements AutoCloseable {
        private final SequencedLog app;
        private final IndexedLines indexed;
        private volatile boolean finishRequested;
        private volatile boolean uncapped;
        private volatile Throwable failure;

        Writer(SequencedLog app, IndexedLines indexed) {
            super("e2e-writer");
            setDaemon(true);
            this.app = app;
            this.indexed = indexed;
        }

        @Override
        public void run() {
            int perTick = Math.max(1, plan.linesPerSecond() / 50);
            long copyTruncateAt = plan.minLines() * 2 / 3;
            long next = System.nanoTime();
            try {
                while (app.written() < plan.minLines() || !finishRequested) {
                    if (uncapped || app.written() < 2 * plan.minLines()) {
                        app.append(perTick);
                    }
                    if (app.copyTruncations() == 0 && app.written() >= copyTruncateAt) {
                        app.copyTruncate(lines -> await("every line before the copytruncate",
                                indexed::numberedLines, lines, null));
                        log("copytruncate of app.log at " + app.written() + " lines");
                        next = System.nanoTime();
                    }
                    next += 20_000_000L; // the rate: perTick lines every 20 ms
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** Lifts the cap of twice the planned lines (writing resumes if it had reached it), until {@link #finish}. */
        void keepWriting() {
            uncapped = true;
        }

        /** Throws what the writer failed with, if it did. */
        void check() {
            if (failure != null) {
                throw new AssertionError("the log writer failed", failure);
            }
        }

        void finish() throws InterruptedException {
            finishRequested = true;
            join();
            check();
        }

        @Override
        public void close() {
            finishRequested = true;
            interrupt();
        }
    }

    /** Polls until {@code value} reaches {@code target}; fails after a timeout, or if the writer failed. */
    private static void await(String what, LongSupplier value, long target, Writer writer) throws Exception {
        long deadline = System.nanoTime() + CONDITION_TIMEOUT.toNanos();
        while (true) {
            long now = value.getAsLong();
            if (now >= target) {
                return;
            }
            if (writer != null) {
                writer.check();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + ": " + now + " of " + target);
            }
            Thread.sleep(50); // polling interval of the condition above
        }
    }

    /**
     * Appends a probe line 100 ms to 1.1 s after the previous one was found, for {@code probeFor} (while the numbered lines keep coming) and measures
     * how long each took until Elasticsearch found it, and until it was in the queue's topic (the shipper's share).
     * A probe line not searchable within 30 s ends the probing and is reported in {@code stall[0]} with the stage it
     * was stuck in (before or after the topic), so that the run still finishes and tells what it lost or duplicated.
     */
    private long[][] probe(Path file, IndexedLines indexed, Writer writer, QueueTail tail, String[] stall)
            throws Exception {
        List<Long> millis = new ArrayList<>();
        Map<Integer, Long> appended = new HashMap<>();
        long end = System.nanoTime() + plan.probeFor().toNanos();
        for (int n = 0; System.nanoTime() < end; n++) {
            String text = "probe=" + n;
            long written = System.nanoTime();
            Files.writeString(file, text + "\n", StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            appended.put(n, written);
            long deadline = written + Duration.ofSeconds(30).toNanos();
            boolean found;
            while (!(found = indexed.searchable(text)) && System.nanoTime() < deadline) {
                writer.check();
                Thread.sleep(5); // how often Elasticsearch is asked: the measurement's resolution
            }
            if (!found) {
                Long inTopic = tail.seen(n);
                stall[0] = text + " not searchable within 30 s of its append, " + (inTopic == null
                        ? "and not in the topic either (stuck in the shipper)"
                        : "though in the topic after " + (inTopic - written) / 1_000_000 + " ms (stuck in the indexer"
                                + " or Elasticsearch)");
                log(stall[0] + "; probing stops");
                break;
            }
            millis.add((System.nanoTime() - written) / 1_000_000);
            // The next probe at a random phase of Elasticsearch's refresh: appended a fixed time after the previous
            // one became visible (just after a refresh), every probe would wait out the same part of the interval.
            long next = System.nanoTime() + 100_000_000L
                    + ThreadLocalRandom.current().nextLong(1_000_000_000L);
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
        List<Long> inQueue = new ArrayList<>();
        appended.forEach((n, written) -> {
            Long seen = tail.seen(n);
            if (seen != null) {
                inQueue.add((seen - written) / 1_000_000);
            }
        });
        return new long[][] {sorted(millis), sorted(inQueue)};
    }

    private static long[] sorted(List<Long> values) {
        long[] out = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(out);
        return out;
    }

    /**
     * Reads the topic from its end on a thread of its own and notes when each probe line arrived in it: the
     * shipper's share of append → searchable (file change seen, read, batched, produced and acknowledged).
     */
    private static final class QueueTail implements AutoCloseable {
        private static final byte[] MARK = "probe=".getBytes(StandardCharsets.US_ASCII);
        private final Map<Integer, Long> seen = new ConcurrentHashMap<>();
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Thread thread;
        private volatile boolean running = true;

        QueueTail(String bootstrap) {
            consumer = new KafkaConsumer<>(Map.of(
                    "bootstrap.servers", bootstrap,
                    "key.deserializer", ByteArrayDeserializer.class,
                    "value.deserializer", ByteArrayDeserializer.class));
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC).stream()
                    .map(p -> new TopicPartition(TOPIC, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // the end now, before the first probe line is appended
            thread = new Thread(this::run, "e2e-queue-tail");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            while (running) {
                for (var record : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    int n = probeNumber(record.value());
                    if (n >= 0) {
                        seen.putIfAbsent(n, now);
                    }
                }
            }
        }

        private static int probeNumber(byte[] value) {
            outer:
            for (int i = 0; i + MARK.length <= value.length; i++) {
                for (int k = 0; k < MARK.length; k++) {
                    if (value[i + k] != MARK[k]) {
                        continue outer;
                    }
                }
                int n = 0;
                int j = i + MARK.length;
                while (j < value.length && value[j] >= '0' && value[j] <= '9') {
                    n = n * 10 + (value[j++] - '0');
                }
                return j > i + MARK.length ? n : -1;
            }
            return -1;
        }

        Long seen(int n) {
            return seen.get(n);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(10_000);
            consumer.close();
        }
    }

    private Path queueConfig(int port) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(repo.resolve("conf/server.properties"))) {
            if (line.startsWith("listeners=") || line.startsWith("advertised.listeners=")) {
                line = line.substring(0, line.indexOf('=') + 1) + "PLAINTEXT://127.0.0.1:" + port;
            } else if (line.startsWith("log.dirs=")) {
                line = "log.dirs=" + work.resolve("queue");
            }
            lines.add(line);
        }
        return Files.write(work.resolve("server.properties"), lines);
    }

    /**
     * The indexer's pipeline. {@code manage_template => false}: the test's own template is the one that applies
     * (status a number, so the conflicting JSON line is a real mapping conflict; replicas for the cluster's size),
     * not the output's standard one.
     */
    private Path pipeline(String bootstrap, List<String> elasticsearch) throws IOException {
        return Files.writeString(work.resolve("e2e.conf"), """
                input {
                  kafka {
                    bootstrap_servers => "%s"
                    topics => ["e2e"]
                    group_id => "e2e"
                    auto_offset_reset => "earliest"
                    session_timeout_ms => 10000
                    codec => json
                  }
                }
                output {
                  elasticsearch {
                    hosts => [%s]
                    index => "%s"
                    manage_template => false
                    retry_initial_interval => 0.2
                    retry_max_interval => 2
                  }
                }
                """.formatted(bootstrap, elasticsearch.stream().map(u -> "\"" + u + "\"")
                        .collect(Collectors.joining(", ")), IndexedLines.INDEX));
    }

    private Path shipperConfig(String bootstrap, Path logs) throws IOException {
        return Files.writeString(work.resolve("shipper.yml"), """
                filebeat.inputs:
                  - type: log
                    paths: ['%1$s/app.log*']
                    max_bytes: %4$d
                  - type: log
                    paths: ['%1$s/events.json']
                    json.keys_under_root: true
                    json.add_error_key: true
                  - type: log
                    paths: ['%1$s/probe.log']
                path.data: '%2$s'
                output.kafka:
                  hosts: [%3$s]
                  topic: e2e
                  required_acks: -1
                  compression: lz4
                """.formatted(logs, work.resolve("shipper"), java.util.Arrays.stream(bootstrap.split(","))
                        .map(h -> "'" + h + "'").collect(Collectors.joining(", ")), MAX_BYTES));
    }

    private static void writeJsonLines(Path file) throws IOException {
        StringBuilder json = new StringBuilder();
        for (int n = 0; n < JSON_LINES; n++) {
            json.append("{\"kind\":\"json\",\"json_n\":").append(n).append(",\"status\":")
                    .append(n == CONFLICTING_JSON ? "\"not a number\"" : "200").append("}\n");
        }
        Files.writeString(file, json);
    }

    private List<String> deadLetters() throws IOException {
        Path dlq = work.resolve("indexer/dead_letter_queue/main/dlq.jsonl");
        return Files.exists(dlq) ? Files.readAllLines(dlq) : List.of();
    }
}
