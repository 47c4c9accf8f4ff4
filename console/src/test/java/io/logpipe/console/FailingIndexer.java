package io.logpipe.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.logpipe.console.es.ElasticsearchRest;
import io.logpipe.indexer.config.ConfigSource;
import io.logpipe.indexer.pipeline.MonitoringApi;
import io.logpipe.indexer.pipeline.Pipeline;
import io.logpipe.indexer.pipeline.PipelineSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A second real indexer, beside {@link ConsoleFixture}'s healthy one, whose two elasticsearch outputs fail: one
 * writes to index {@link #CONFLICT_INDEX} whose mapping refuses the document (a 400: dead-lettered, a failure),
 * the other points at a refused port (retried until the pipeline stops). It reads topic {@link #TOPIC}, into which
 * one such document is produced. Started once per test JVM, with its monitoring API.
 */
public final class FailingIndexer {
    public static final String TOPIC = "console.failing";
    public static final String GROUP = "console-failing-indexer";
    public static final String CONFLICT_INDEX = "console-conflict";
    public static final String CONFLICT_OUTPUT = "es-conflict";
    public static final String REFUSED_OUTPUT = "es-refused";

    private static FailingIndexer shared;

    /** The glob of its pipeline file, for a console's {@code pipelines} setting. */
    public final String pipelines;
    public final URI api;
    private final Pipeline pipeline;
    private final MonitoringApi monitoring;
    private final HttpClient http = HttpClient.newHttpClient();

    private FailingIndexer(ConsoleFixture f) throws Exception {
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(f.node.url() + "/" + CONFLICT_INDEX))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"mappings\":{\"properties\":{\"n\":{\"type\":\"integer\"}}}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, created.statusCode(), created.body());
        f.broker.createTopic(TOPIC, 1);
        Path dir = Files.createTempDirectory("failing-indexer");
        Path conf = Files.createDirectories(dir.resolve("pipelines")).resolve("failing.conf");
        Files.writeString(conf, """
                input { kafka { bootstrap_servers => "%s" topics => ["%s"] group_id => "%s"
                                auto_offset_reset => "earliest" codec => json } }
                output {
                  elasticsearch { id => "%s" hosts => ["%s"] index => "%s" manage_template => false }
                  elasticsearch { id => "%s" hosts => ["http://127.0.0.1:1"] index => "%s" manage_template => false
                                  retry_initial_interval => 0.2 retry_max_interval => 1 }
                }
                """.formatted(f.broker.bootstrapServers(), TOPIC, GROUP, CONFLICT_OUTPUT, f.node.url(), CONFLICT_INDEX,
                REFUSED_OUTPUT, CONFLICT_INDEX));
        pipeline = new Pipeline(ConfigSource.fromPath(conf.toString()),
                // its batch never drains (one output never succeeds): a short stop, not the 30 s default
                new PipelineSettings("failing", 1, 125, 50, Files.createDirectories(dir.resolve("indexer")),
                        Duration.ofSeconds(2)));
        monitoring = MonitoringApi.start("127.0.0.1", 0, List.of(pipeline));
        pipeline.start();
        pipelines = dir.resolve("pipelines/*.conf").toString();
        api = URI.create("http://127.0.0.1:" + monitoring.port());
        // a string where the mapping wants an integer: Elasticsearch answers 400 for this document
        f.produceTo(TOPIC, List.of(ElasticsearchRest.JSON.valueToTree(Map.of("n", "not a number",
                "message", "refused by the mapping")).toString()));
        ConsoleFixture.waitFor("a dead-lettered document and retries", Duration.ofSeconds(60),
                () -> output(CONFLICT_OUTPUT).path("failures").asLong() == 1
                        && output(REFUSED_OUTPUT).path("retries").asLong() > 0);
    }

    public static synchronized FailingIndexer shared() throws Exception {
        if (shared == null) {
            shared = new FailingIndexer(ConsoleFixture.shared());
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop));
        }
        return shared;
    }

    /** The output's entry as the indexer's own monitoring API gives it now, or a missing node. */
    public JsonNode output(String id) {
        try {
            JsonNode stats = ElasticsearchRest.JSON.readTree(http.send(HttpRequest.newBuilder(
                    api.resolve("/_node/stats/pipelines")).build(), HttpResponse.BodyHandlers.ofString()).body());
            for (JsonNode output : stats.at("/pipelines/failing/plugins/outputs")) {
                if (output.path("id").asText().equals(id)) {
                    return output;
                }
            }
            return MissingNode.getInstance();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void stop() {
        pipeline.stop();
        monitoring.close();
    }
}
