package io.logpipe.appliance.e2e;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.FreePorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The whole pipeline on one host, as a user runs it: {@code bin/queue-server}, {@code bin/indexer} and
 * {@code bin/shipper} from this checkout, and an Elasticsearch node of its own. Numbered lines are appended to a log
 * at a steady rate (rotated by rename, once by copytruncate, with bad input among them) while each part in turn is
 * killed with SIGKILL and started again; then every part is stopped and what Elasticsearch holds is read back.
 * Used by the CI fault test (small) and by {@code bench/e2e} (large, with a latency probe).
 */
final class FaultRun {
    /** JSON lines shipped decoded ({@code json.keys_under_root}); the one at {@link #CONFLICTING_JSON} has a text status. */
    static final int JSON_LINES = 10;
    static final int CONFLICTING_JSON = 7;
    private static final Duration CONDITION_TIMEOUT = Duration.ofMinutes(5);

    /** How big a run is. */
    record Plan(long minLines, int linesPerSecond, int killRounds, int rotateEvery, Duration probeFor) {
    }

    /** What a run found. */
    record Result(long lines, Map<String, Integer> kills, long documents, long distinct, List<Long> missing,
                  long jsonDocuments, List<String> deadLetters, IndexedLines.Scan scan, int rotations,
                  int copyTruncations, long[] probeMillis) {
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
        try (ElasticsearchNode es = ElasticsearchNode.start(ElasticsearchNode.Options.insecure("e2e"))) {
            ElasticsearchClient client = es.client();
            IndexedLines indexed = new IndexedLines(client);
            indexed.createTemplate();
            int queuePort = FreePorts.pick();
            Component queue = new Component("queue", repo.resolve("bin/queue-server"),
                    List.of(queueConfig(queuePort).toString()), output, Map.of());
            Component indexer = new Component("indexer", repo.resolve("bin/indexer"),
                    List.of("-f", pipeline(queuePort, es.url()).toString(), "--path.data",
                            work.resolve("indexer").toString(), "--http.port", Integer.toString(FreePorts.pick())),
                    output, Map.of());
            Component shipper = new Component("shipper", repo.resolve("bin/shipper"),
                    List.of("-c", shipperConfig(queuePort, logs).toString(), "-e"), output, Map.of());
            List<Component> components = List.of(queue, indexer, shipper);
            Map<String, Integer> kills = new java.util.LinkedHashMap<>();
            try (SequencedLog app = new SequencedLog(logs, plan.rotateEvery());
                 Writer writer = new Writer(app, indexed)) {
                writeJsonLines(logs.resolve("events.json"));
                Files.createFile(logs.resolve("probe.log")); // harvested from the start, not found by a later scan
                for (Component c : components) {
                    c.start();
                }
                // Every part up and the whole way flowing before the numbered lines start: the kills then meet
                // lines in flight, not a pipeline still starting.
                await("the JSON lines through the whole pipeline", indexed::jsonLines, JSON_LINES - 1, null);
                writer.start();
                List<String> parts = List.of("shipper", "queue", "indexer", "elasticsearch");
                int total = parts.size() * plan.killRounds();
                for (int k = 0; k < total; k++) {
                    String part = parts.get(k % parts.size());
                    // spread over the run: the k-th kill once that share of the planned lines is searchable
                    long threshold = plan.minLines() * (k + 1) / (total + 1);
                    await("lines arriving before the " + part + " is killed", indexed::numberedLines, threshold,
                            writer);
                    log("SIGKILL " + part + " (" + app.written() + " lines written, " + indexed.numberedLines()
                            + " searchable)");
                    if (part.equals("elasticsearch")) {
                        ProcessHandle server = es.process().orElseThrow();
                        server.destroyForcibly();
                        server.onExit().get(60, TimeUnit.SECONDS);
                        es.restart();
                    } else {
                        Component c = part.equals("shipper") ? shipper : part.equals("queue") ? queue : indexer;
                        c.kill();
                        c.start();
                    }
                    kills.merge(part, 1, Integer::sum);
                }
                long[] probes = new long[0];
                if (!plan.probeFor().isZero()) {
                    writer.keepWriting(); // the probe measures a pipeline under the planned rate
                    await("the pipeline caught up before the probe", indexed::numberedLines, app.written(), writer);
                    probes = probe(logs.resolve("probe.log"), indexed, writer);
                }
                writer.finish();
                long lines = app.written();
                log("writing stopped at " + lines + " lines; waiting until all are searchable");
                await("every line searchable", indexed::numberedLines, lines, null);
                await("every JSON line searchable but the conflicting one", indexed::jsonLines, JSON_LINES - 1, null);
                // Stopped the ordinary way, so nothing is still in flight: a late duplicate would show in the scan.
                shipper.close();
                indexer.close();
                queue.close();
                IndexedLines.Scan scan = indexed.scan();
                return new Result(lines, kills, scan.documents, scan.distinct(), scan.missing(lines),
                        indexed.jsonLines(), deadLetters(), scan, app.rotations(), app.copyTruncations(), probes);
            } finally {
                for (Component c : components) {
                    c.close();
                }
                client._transport().close();
            }
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
     * Appends a probe line every 100 ms for {@code probeFor} (while the numbered lines keep coming) and measures
     * how long each took until Elasticsearch found it.
     */
    private long[] probe(Path file, IndexedLines indexed, Writer writer) throws Exception {
        List<Long> millis = new ArrayList<>();
        long end = System.nanoTime() + plan.probeFor().toNanos();
        for (int n = 0; System.nanoTime() < end; n++) {
            String text = "probe=" + n;
            long written = System.nanoTime();
            Files.writeString(file, text + "\n", StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            long deadline = written + Duration.ofSeconds(30).toNanos();
            while (!indexed.searchable(text)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(text + " not searchable within 30 s");
                }
                writer.check();
                Thread.sleep(5);
            }
            millis.add((System.nanoTime() - written) / 1_000_000);
            long next = written + 100_000_000L;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
        long[] out = millis.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(out);
        return out;
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

    private Path pipeline(int queuePort, String elasticsearch) throws IOException {
        return Files.writeString(work.resolve("e2e.conf"), """
                input {
                  kafka {
                    bootstrap_servers => "127.0.0.1:%d"
                    topics => ["e2e"]
                    group_id => "e2e"
                    auto_offset_reset => "earliest"
                    session_timeout_ms => 10000
                    codec => json
                  }
                }
                output {
                  elasticsearch {
                    hosts => ["%s"]
                    index => "%s"
                    retry_initial_interval => 0.2
                    retry_max_interval => 2
                  }
                }
                """.formatted(queuePort, elasticsearch, IndexedLines.INDEX));
    }

    private Path shipperConfig(int queuePort, Path logs) throws IOException {
        return Files.writeString(work.resolve("shipper.yml"), """
                filebeat.inputs:
                  - type: log
                    paths: ['%1$s/app.log*']
                    max_bytes: 65536
                  - type: log
                    paths: ['%1$s/events.json']
                    json.keys_under_root: true
                    json.add_error_key: true
                  - type: log
                    paths: ['%1$s/probe.log']
                path.data: '%2$s'
                output.kafka:
                  hosts: ['127.0.0.1:%3$d']
                  topic: e2e
                  required_acks: -1
                  compression: lz4
                """.formatted(logs, work.resolve("shipper"), queuePort));
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
