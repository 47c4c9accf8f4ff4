package io.logpipe.indexer;

import static io.logpipe.indexer.pipeline.KafkaFixtures.committedTotal;
import static io.logpipe.indexer.pipeline.KafkaFixtures.produce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.logpipe.indexer.pipeline.NginxEvents;
import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The indexer as its own process (what bin/indexer runs), killed with SIGKILL and stopped with SIGTERM. */
class IndexerProcessTest {
    private static KafkaBroker broker;
    private static ElasticsearchNode node;
    private static ElasticsearchClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        broker = KafkaBroker.shared();
        node = ElasticsearchNode.shared();
        client = node.client();
    }

    @AfterAll
    static void close() throws Exception {
        client._transport().close();
    }

    private Path config(String topic, String group, String index) throws IOException {
        return config(topic, group, index, node.url(), topic + ".conf");
    }

    private Path config(String topic, String group, String index, String elasticsearch, String file) throws IOException {
        Path conf = dir.resolve(file);
        Files.writeString(conf, """
                input {
                  kafka {
                    bootstrap_servers => "%s"
                    topics => ["%s"]
                    group_id => "%s"
                    auto_offset_reset => "earliest"
                    codec => json
                    auto_commit_interval_ms => 500
                  }
                }
                output {
                  elasticsearch { hosts => ["%s"] index => "%s-%%{+YYYY.MM.dd}" }
                }
                """.formatted(broker.bootstrapServers(), topic, group, elasticsearch, index));
        return conf;
    }

    private Process indexer(Path conf, String logName, String... more) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                Indexer.class.getName(), "-f", conf.toString(), "--path.data", dir.resolve("data").toString(),
                "--http.port", "0", "-w", "2", "-b", "200"));
        command.addAll(List.of(more));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(logName).toFile()));
        return builder.start();
    }

    private static List<String> events(int count, Instant start) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            values.add(NginxEvents.json(i, start, 10));
        }
        return values;
    }

    /** How often to look: a count every poll, no forced refresh, would still slow the node it measures. */
    private static final Duration LOOK_EVERY = Duration.ofMillis(400);

    /** Searchable documents; no forced refresh (a refresh every poll would slow the node it measures). */
    private static long visible(String index) {
        try {
            return client.count(c -> c.index(index).ignoreUnavailable(true).allowNoIndices(true)).count();
        } catch (Exception e) {
            return -1;
        }
    }

    private static long count(String index) {
        try {
            client.indices().refresh(r -> r.index(index).ignoreUnavailable(true).allowNoIndices(true));
            return client.count(c -> c.index(index).ignoreUnavailable(true).allowNoIndices(true)).count();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void killMinus9MidRunLosesNothingAndDuplicatesNothing() throws Exception {
        int total = 10_000;
        broker.createTopic("kill9", 3);
        List<String> all = events(total, Instant.parse("2024-05-01T23:58:00Z"));
        produce(broker, "kill9", null, all);
        Path conf = config("kill9", "g-kill9", "kill9");

        Process first = indexer(conf, "first.log");
        // Committed offsets, not searchable documents, tell how far it got: what a search sees lags by a refresh.
        Wait.until("some documents written and committed", Duration.ofSeconds(180), Duration.ofMillis(50), () -> {
            try {
                return committedTotal(broker, "g-kill9") >= 1000;
            } catch (Exception e) {
                return false;
            }
        });
        first.destroyForcibly(); // SIGKILL: no hook, no drain, no final commit
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        long atKill = count("kill9-*");
        assertTrue(atKill < total, "the kill must happen mid-run, but all " + atKill + " were already written");

        Process second = indexer(conf, "second.log");
        try {
            Wait.until("all documents after the restart", Duration.ofSeconds(300), LOOK_EVERY, () -> visible("kill9-*") >= total);
            Wait.until("all offsets committed", Duration.ofSeconds(60), () -> {
                try {
                    return committedTotal(broker, "g-kill9") == total;
                } catch (Exception e) {
                    return false;
                }
            });
        } finally {
            second.destroy();
            second.waitFor(60, TimeUnit.SECONDS);
        }
        // Exactly one document per record: the replayed records overwrote their documents (deterministic ids).
        assertEquals(total, count("kill9-*"));
        assertEquals(total, client.count(c -> c.index("kill9-*").query(q -> q.range(r -> r.untyped(u -> u.field("seq")
                .gte(co.elastic.clients.json.JsonData.of(0)).lt(co.elastic.clients.json.JsonData.of(total)))))).count());
    }

    @Test
    void sigtermDrainsFlushesCommitsAndExits() throws Exception {
        int total = 6_000;
        broker.createTopic("sigterm", 2);
        produce(broker, "sigterm", null, events(total, Instant.parse("2024-06-01T00:00:00Z")));
        Path conf = config("sigterm", "g-sigterm", "sigterm");
        Process process = indexer(conf, "sigterm.log");
        Wait.until("indexing under way", Duration.ofSeconds(180), LOOK_EVERY, () -> visible("sigterm-*") >= 500);
        process.destroy(); // SIGTERM
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the indexer must exit after SIGTERM");
        String log = Files.readString(dir.resolve("sigterm.log"));
        assertEquals(0, process.exitValue(), "a clean drain exits 0, not 143\n" + log);
        assertTrue(log.contains("stopping: no more fetching"), log);
        assertTrue(log.contains("stopped: every pipeline drained"), log);
        // Everything fetched was written before the final commit, and nothing beyond what was written is committed.
        long written = count("sigterm-*");
        assertEquals(written, committedTotal(broker, "g-sigterm"), log);
    }

    @Test
    void stopWhileElasticsearchIsUnreachableEndsWithinTheShutdownTimeoutAndLosesNothing() throws Exception {
        int total = 400;
        broker.createTopic("unreachable", 2);
        produce(broker, "unreachable", null, events(total, Instant.parse("2024-07-01T00:00:00Z")));
        String closedPort = "http://127.0.0.1:" + io.logpipe.testkit.FreePorts.pick();
        Path down = config("unreachable", "g-unreachable", "unreachable", closedPort, "down.conf");
        Process first = indexer(down, "down.log", "--pipeline.shutdown_timeout", "3s");
        Wait.until("the output retrying against the closed port", Duration.ofSeconds(120), () -> {
            try {
                return Files.readString(dir.resolve("down.log")).contains("not written (ConnectException");
            } catch (IOException e) {
                return false;
            }
        });
        long stopAt = System.nanoTime();
        first.destroy(); // SIGTERM
        // The drain's bound (3 s) plus closing the Kafka consumer: far below the 60 s a stuck drain would take.
        assertTrue(first.waitFor(20, TimeUnit.SECONDS), "the indexer must exit within its shutdown timeout");
        long seconds = Duration.ofNanos(System.nanoTime() - stopAt).toSeconds();
        String log = Files.readString(dir.resolve("down.log"));
        assertTrue(log.contains("could not finish within pipeline.shutdown_timeout (3 s)"), log);
        assertTrue(log.contains("will be read again at the next start"), log);
        assertEquals(0, first.exitValue(), "a drain that timed out is still the stop that was asked for");
        assertTrue(log.contains("indexer: the drain timed out (pipeline.shutdown_timeout): "), log);
        assertTrue(seconds < 20, "stopped after " + seconds + " s");
        // Nothing written, so nothing committed.
        assertEquals(0, committedTotal(broker, "g-unreachable"), log);

        Path up = config("unreachable", "g-unreachable", "unreachable", node.url(), "up.conf");
        Process second = indexer(up, "up.log");
        try {
            Wait.until("every event indexed after the restart", Duration.ofSeconds(180), () -> {
                try {
                    return committedTotal(broker, "g-unreachable") == total;
                } catch (Exception e) {
                    return false;
                }
            });
        } finally {
            second.destroy();
            second.waitFor(60, TimeUnit.SECONDS);
        }
        assertEquals(total, count("unreachable-*"), "every event exactly once");
    }
}
