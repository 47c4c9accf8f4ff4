package io.logpipe.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.logpipe.console.config.ConsoleConfig;
import io.logpipe.console.es.ElasticsearchRest;
import io.logpipe.console.web.ConsoleServer;
import io.logpipe.indexer.config.ConfigSource;
import io.logpipe.indexer.pipeline.MonitoringApi;
import io.logpipe.indexer.pipeline.Pipeline;
import io.logpipe.indexer.pipeline.PipelineSettings;
import io.logpipe.shipper.Agent;
import io.logpipe.shipper.config.ConfigFile;
import io.logpipe.shipper.config.ShipperConfig;
import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The whole pipeline for the console's tests, started once per test JVM: the test kit's real queue and
 * Elasticsearch node, the real indexer pipeline (kafka input → elasticsearch output, with its monitoring API)
 * reading topic {@link #TOPIC}, a real shipper tailing {@link #shipLines}'s file into the same topic with its stats
 * endpoint on, and the console on a free loopback port. Other lines are produced as the shipper writes them (ECS:
 * host.name, log.file.path, log.offset).
 */
public final class ConsoleFixture {
    public static final String TOPIC = "console.app";
    public static final String GROUP = "console-indexer";
    public static final String PATTERN = "console-app-*";
    /** The lines every test may count on: 30 of web-1's /var/log/app.log, 2 h ago, one minute apart. */
    public static final Instant BASE = Instant.now().minus(Duration.ofHours(2)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);

    private static ConsoleFixture shared;

    public final KafkaBroker broker;
    public final ElasticsearchNode node;
    public final Path dir;
    public final ConsoleServer console;
    public final String url;
    private final Pipeline pipeline;
    private final MonitoringApi monitoring;
    private final Agent shipper;
    private final Path shippedLog;
    private final HttpClient http = HttpClient.newHttpClient();

    private ConsoleFixture() throws Exception {
        broker = KafkaBroker.shared();
        node = ElasticsearchNode.shared();
        dir = Files.createTempDirectory("console-test");
        broker.createTopic(TOPIC, 2);
        Path conf = dir.resolve("pipelines").resolve("app.conf");
        Files.createDirectories(conf.getParent());
        Files.writeString(conf, """
                input { kafka { bootstrap_servers => "%s" topics => ["%s"] group_id => "%s"
                                auto_offset_reset => "earliest" codec => json } }
                output { elasticsearch { hosts => ["%s"] index => "console-app-%%{+YYYY.MM.dd}" } }
                """.formatted(broker.bootstrapServers(), TOPIC, GROUP, node.url()));
        pipeline = new Pipeline(ConfigSource.fromPath(conf.toString()),
                new PipelineSettings("main", 1, 125, 50, Files.createDirectories(dir.resolve("indexer"))));
        monitoring = MonitoringApi.start("127.0.0.1", 0, List.of(pipeline));
        pipeline.start();
        shippedLog = Files.createDirectories(dir.resolve("shipped")).resolve("flow.log");
        Files.writeString(shippedLog, "");
        String shipperYaml = """
                filebeat.inputs:
                  - type: log
                    paths: ['%s']
                    scan_frequency: 100ms
                path.data: %s
                http.enabled: true
                http.host: 127.0.0.1
                http.port: 0
                output.kafka:
                  hosts: ['%s']
                  topic: %s
                """.formatted(shippedLog, dir.resolve("shipper"), broker.bootstrapServers(), TOPIC);
        shipper = new Agent(ShipperConfig.from(Path.of("shipper.yml"), ConfigFile.parse("shipper.yml", shipperYaml),
                w -> { }), List.of());
        shipper.start();
        Files.writeString(dir.resolve("retention.yml"), """
                elasticsearch:
                  hosts: ["%s"]
                rules:
                  - name: app
                    pattern: "console-app-*"
                    date_format: "yyyy.MM.dd"
                    keep: 5d
                """.formatted(node.url()));
        console = ConsoleServer.start(config("127.0.0.1", List.of()), System::getenv, Clock.systemUTC(), "test");
        url = "http://127.0.0.1:" + console.port();

        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String message = (i % 3 == 0 ? "GET /checkout 500 " : "GET /home 200 ") + "request " + i;
            lines.add(line(BASE.plus(Duration.ofMinutes(i)), "web-1", "/var/log/app.log", i * 100L, message));
        }
        // Another file and another host at the same offsets: never among web-1's surrounding lines.
        lines.add(line(BASE.plus(Duration.ofMinutes(10)), "web-1", "/var/log/other.log", 1000, "other file"));
        lines.add(line(BASE.plus(Duration.ofMinutes(10)), "web-2", "/var/log/app.log", 1000, "other host"));
        produce(lines);
        waitFor("32 documents searchable", Duration.ofSeconds(90), () -> count() >= 32);
    }

    public static synchronized ConsoleFixture shared() throws Exception {
        if (shared == null) {
            shared = new ConsoleFixture();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop));
        }
        return shared;
    }

    /** The console's configuration for this pipeline, on {@code host} with those logins. */
    public ConsoleConfig config(String host, List<ConsoleConfig.User> users) {
        return new ConsoleConfig(host, 0, List.of(URI.create(node.url())), null, null, broker.bootstrapServers(),
                URI.create("http://127.0.0.1:" + monitoring.port()), dir.resolve("pipelines/*.conf").toString(),
                dir.resolve("retention.yml"), dir.resolve("indexer/dead_letter_queue"), null, users,
                URI.create("http://127.0.0.1:" + shipper.statsPort()),
                new java.util.TreeMap<>(Map.of("queue", broker.directory(), "indexer", dir.resolve("indexer"))),
                ConsoleConfig.LoginLimit.DEFAULT);
    }

    /**
     * Another monitoring API over the fixture's indexer pipeline, protected as {@code protection} says (HTTPS,
     * HTTP Basic), on a free loopback port; the caller closes it.
     */
    public MonitoringApi monitoringApi(MonitoringApi.Protection protection) throws Exception {
        return MonitoringApi.start("127.0.0.1", 0, "console-test", List.of(pipeline), protection);
    }

    /** Appends lines to the file the fixture's shipper tails. */
    public void shipLines(List<String> lines) throws IOException {
        Files.writeString(shippedLog, String.join("\n", lines) + "\n", StandardOpenOption.APPEND);
    }

    public static String line(Instant at, String host, String file, long offset, String message) {
        return ElasticsearchRest.JSON.valueToTree(Map.of("@timestamp", at.toString(), "message", message,
                "host", Map.of("name", host), "log", Map.of("offset", offset, "file", Map.of("path", file)))).toString();
    }

    public void produce(List<String> values) {
        produceTo(TOPIC, values);
    }

    public void produceTo(String topic, List<String> values) {
        Properties props = new Properties();
        props.put("bootstrap.servers", broker.bootstrapServers());
        props.put("acks", "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, value));
            }
            producer.flush();
        }
    }

    /** Makes what the indexer wrote searchable now, as a scheduled refresh would. */
    public void refresh() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.url() + "/" + PATTERN
                + "/_refresh?allow_no_indices=true")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    public long count() {
        try {
            http.send(HttpRequest.newBuilder(URI.create(node.url() + "/" + PATTERN + "/_refresh?allow_no_indices=true"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            return ElasticsearchRest.JSON.readTree(http.send(HttpRequest.newBuilder(
                    URI.create(node.url() + "/" + PATTERN + "/_count?allow_no_indices=true")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).path("count").asLong();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    /** GET on the console's API; asserts the status. */
    public JsonNode get(String path, int expectedStatus) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(expectedStatus, r.statusCode(), r.body());
        return ElasticsearchRest.JSON.readTree(r.body());
    }

    public static void waitFor(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        // every 100 ms: the conditions here ask Elasticsearch or the console over HTTP
        Wait.until(what, timeout, Duration.ofMillis(100), condition::getAsBoolean);
    }

    private void stop() {
        console.close();
        shipper.close();
        pipeline.stop();
        monitoring.close();
    }
}
