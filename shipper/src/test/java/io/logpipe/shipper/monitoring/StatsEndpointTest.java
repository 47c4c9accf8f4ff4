package io.logpipe.shipper.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logpipe.common.config.ConfigException;
import io.logpipe.shipper.config.ConfigFile;
import io.logpipe.shipper.config.ShipperConfig;
import io.logpipe.shipper.testing.ShipperProcess;
import io.logpipe.shipper.testing.TopicReader;
import io.logpipe.testkit.FreePorts;
import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filebeat's HTTP endpoint on a real shipper process shipping real files to the test broker: {@code GET /stats}
 * counts exactly what a consumer reads back, {@code GET /} says who the shipper is; off unless http.enabled.
 */
class StatsEndpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path work;

    @Test
    void statsCountWhatTheBrokerAcknowledged() throws Exception {
        KafkaBroker broker = KafkaBroker.shared();
        String topic = "stats-endpoint";
        broker.createTopic(topic, 2);
        Path logs = Files.createDirectories(work.resolve("logs"));
        append(logs.resolve("a.log"), "a", 0, 500);
        append(logs.resolve("b.log"), "b", 0, 100);
        int port = FreePorts.pick();
        Path config = work.resolve("shipper.yml");
        Files.writeString(config, "name: stats-test\nfilebeat.inputs:\n  - type: log\n    paths: ['" + logs
                + "/*.log']\n    scan_frequency: 100ms\npath.data: " + work.resolve("data") + "\n"
                + "http.enabled: true\nhttp.host: 127.0.0.1\nhttp.port: " + port + "\n"
                + "output.kafka:\n  hosts: ['" + broker.bootstrapServers() + "']\n  topic: " + topic + "\n");
        Process shipper = ShipperProcess.start(config, work.resolve("shipper.log"));
        try (TopicReader reader = new TopicReader(broker.bootstrapServers(), topic)) {
            String base = "http://127.0.0.1:" + port;
            Wait.until("600 events acknowledged in /stats", Duration.ofSeconds(90),
                    () -> get(base + "/stats").at("/libbeat/output/events/acked").asLong() == 600);
            assertEquals(600, reader.awaitRecords(600, Duration.ofSeconds(60)).size());
            JsonNode stats = get(base + "/stats");
            assertEquals(600, stats.at("/libbeat/pipeline/events/total").asLong(), stats.toString());
            assertEquals(600, stats.at("/libbeat/pipeline/events/published").asLong(), stats.toString());
            assertEquals(0, stats.at("/libbeat/pipeline/events/dropped").asLong(), stats.toString());
            assertEquals(600, stats.at("/libbeat/output/events/total").asLong(), stats.toString());
            assertEquals(0, stats.at("/libbeat/output/events/active").asLong(), stats.toString());
            assertEquals(0, stats.at("/libbeat/output/events/failed").asLong(), stats.toString());
            assertEquals(0, stats.at("/libbeat/output/write/errors").asLong(), stats.toString());
            assertTrue(stats.at("/libbeat/output/events/batches").asLong() >= 1, stats.toString());
            assertEquals("kafka", stats.at("/libbeat/output/type").asText(), stats.toString());
            assertEquals(0, stats.at("/filebeat/events/active").asLong(), stats.toString());
            assertEquals(2, stats.at("/filebeat/harvester/open_files").asInt(), stats.toString());
            assertEquals(2, stats.at("/filebeat/harvester/running").asInt(), stats.toString());
            assertEquals(2, stats.at("/filebeat/harvester/started").asInt(), stats.toString());
            assertEquals(0, stats.at("/filebeat/harvester/closed").asInt(), stats.toString());
            assertEquals(2, stats.at("/registrar/states/current").asInt(), stats.toString());
            assertTrue(stats.at("/beat/info/uptime/ms").asLong() > 0, stats.toString());
            assertTrue(stats.at("/beat/memstats/rss").asLong() > 0, stats.toString());
            assertTrue(stats.at("/beat/memstats/memory_alloc").asLong() > 0, stats.toString());

            // lines written while it runs: counted as they are acknowledged, and the rate shows them
            append(logs.resolve("a.log"), "a", 500, 400);
            Wait.until("1000 events acknowledged in /stats", Duration.ofSeconds(60),
                    () -> get(base + "/stats").at("/libbeat/output/events/acked").asLong() == 1000);
            assertEquals(1000, reader.awaitRecords(1000, Duration.ofSeconds(60)).size());
            Wait.until("a nonzero events_per_second", Duration.ofSeconds(15), () -> {
                JsonNode now = get(base + "/stats");
                if (now.at("/logpipe/events_per_second").asDouble() > 0) {
                    return true;
                }
                throw new IOException("not yet: " + now.path("logpipe"));
            });
            assertEquals(1000, TopicReader.messages(reader.drain(Duration.ofSeconds(1))).size(), "nothing twice");

            JsonNode info = get(base + "/");
            assertEquals("filebeat", info.path("beat").asText(), info.toString());
            assertEquals("stats-test", info.path("name").asText(), info.toString());
            assertTrue(info.path("hostname").asText().length() > 0, info.toString());
            assertTrue(Files.readString(work.resolve("data/meta.json")).contains(info.path("uuid").asText()),
                    info.toString());
            assertTrue(info.path("version").asText().length() > 0, info.toString());
            HttpResponse<String> missing = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/nope")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, missing.statusCode());
        } finally {
            shipper.destroy();
            shipper.waitFor();
        }
        assertTrue(Files.readString(work.resolve("shipper.log")).contains("stats endpoint on http://127.0.0.1:"
                + port + "/stats"));
    }

    @Test
    void offByDefaultAndPortCheckedWithItsPlace() {
        ShipperConfig.Http http = config("output.console: {}\n").http();
        assertEquals(new ShipperConfig.Http(false, "localhost", 5066), http);
        ConfigException e = Assertions.assertThrows(ConfigException.class,
                () -> config("http.enabled: true\nhttp.port: 70000\noutput.console: {}\n"));
        assertTrue(e.getMessage().startsWith("test.yml:2:"), e.getMessage());
        List<String> warnings = new ArrayList<>();
        ShipperConfig.from(Path.of("test.yml"), ConfigFile.parse("test.yml",
                "http.enabled: true\nhttp.pprof.enabled: true\noutput.console: {}\n"), warnings::add);
        assertEquals(List.of("test.yml:2:21: http.pprof.enabled is ignored: the stats endpoint has no profiling "
                + "handlers"), warnings);
    }

    @Test
    void aPortInUseStopsTheStartWithWhatToChange() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path config = work.resolve("shipper.yml");
            Files.writeString(config, "filebeat.inputs:\n  - paths: ['" + work + "/*.log']\npath.data: "
                    + work.resolve("data") + "\nhttp.enabled: true\nhttp.host: 127.0.0.1\nhttp.port: "
                    + taken.getLocalPort() + "\noutput.console: {}\n");
            Process shipper = ShipperProcess.start(config, work.resolve("shipper.log"));
            assertTrue(shipper.waitFor(60, TimeUnit.SECONDS));
            assertEquals(1, shipper.exitValue());
            String log = Files.readString(work.resolve("shipper.log"));
            assertTrue(log.contains("shipper: cannot start: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + " for the stats endpoint"), log);
            assertTrue(log.contains("set http.port to a free port"), log);
        }
    }

    private static ShipperConfig config(String yaml) {
        return ShipperConfig.from(Path.of("test.yml"), ConfigFile.parse("test.yml", yaml), w -> { });
    }

    private static JsonNode get(String url) throws IOException, InterruptedException {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return JSON.readTree(r.body());
        } catch (ConnectException e) {
            throw new IOException("not listening yet: " + url, e);
        }
    }

    private static void append(Path file, String prefix, int from, int count) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < from + count; i++) {
            sb.append(prefix).append(" line ").append(i).append('\n');
        }
        Files.writeString(file, sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
