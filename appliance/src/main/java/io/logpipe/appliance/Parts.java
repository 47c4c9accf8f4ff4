package io.logpipe.appliance;

import io.logpipe.common.log.RotatingLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The parts this host runs, in start order, as {@code conf/appliance.yml} says, each through its bin/ launcher. */
final class Parts {
    private static final Duration STOP_BOUND = Duration.ofSeconds(30);

    private Parts() {
    }

    static void add(Supervisor supervisor, ApplianceConfig config, Appliance.Layout layout, Path shipperConfig,
            List<RotatingLog> logs) throws IOException {
        Path bin = config.home().resolve("bin");
        Path data = config.dataDir().resolve("data");
        Map<String, String> env = Appliance.childEnvironment(config);
        if (config.embeddedElasticsearch()) {
            supervisor.add(new EmbeddedElasticsearch(config, log(config, layout, "appliance", logs)), STOP_BOUND);
        }
        if (config.bundledQueue()) {
            int port = config.queuePort();
            supervisor.add(child(config, layout, logs, "queue", queueCommand(config), env,
                    new ChildPart.PortOpen(port), where("address", "127.0.0.1:" + port, "data", data.resolve("queue"))),
                    STOP_BOUND);
        }
        int api = config.indexerApiPort();
        List<String> indexer = new ArrayList<>(List.of(bin.resolve("indexer").toString(),
                "-f", config.indexerPipeline().toString(), "--path.settings", config.indexerSettings().toString(),
                "--path.data", data.resolve("indexer").toString(), "--http.port", String.valueOf(api),
                "--pipeline.shutdown_timeout", config.indexerShutdownDuration().toMillis() + "ms"));
        if (Files.exists(config.retentionConfig())) {
            // The retention rules run daily inside the indexer, and their disk guard every minute.
            indexer.addAll(List.of("--prune.config", config.retentionConfig().toString()));
        }
        // asked as indexer.yml protects it (api.ssl.*, api.auth.*), on loopback
        IndexerApiClient indexerApi = IndexerApiClient.of(config);
        supervisor.add(child(config, layout, logs, "indexer", indexer, env,
                new ChildPart.Answers(indexerApi.base() + "/", () -> indexerApi.answers("/")),
                where("api", indexerApi.base() + "/_node/stats/pipelines", "pipeline", config.indexerPipeline())),
                Appliance.stopBoundOfIndexer(config));
        if (config.shipperEnabled()) {
            // -e: to stderr whatever logging.to_files says, as Filebeat's -e; the appliance rotates var/log/shipper.log.
            // Its stats endpoint on loopback, whatever the user's filebeat.yml says: status and the console read it.
            int stats = config.shipperApiPort();
            supervisor.add(child(config, layout, logs, "shipper", List.of(bin.resolve("shipper").toString(),
                    "-c", shipperConfig.toString(), "-e", "--path.data", data.resolve("shipper").toString(),
                    "-E", "http.enabled=true", "-E", "http.host=127.0.0.1", "-E", "http.port=" + stats), env,
                    new ChildPart.HttpOk("http://127.0.0.1:" + stats + "/"),
                    where("config", shipperConfig, "stats", "http://127.0.0.1:" + stats + "/stats")), STOP_BOUND);
        }
        Path console = bin.resolve("console");
        if (config.consoleEnabled() && Files.isExecutable(console)) {
            String url = "http://127.0.0.1:" + config.consolePort();
            supervisor.add(child(config, layout, logs, "console", List.of(console.toString(), "-c",
                    config.consoleConfig().toString()), env, new ChildPart.HttpOk(url + "/api/status"),
                    where("url", url)), STOP_BOUND);
        }
    }

    /** bin/queue-server with the appliance's server.properties and what the appliance overrides of it. */
    static List<String> queueCommand(ApplianceConfig config) {
        String listener = "PLAINTEXT://127.0.0.1:" + config.queuePort();
        return List.of(config.home().resolve("bin").resolve("queue-server").toString(), config.queueConfig().toString(),
                "--override", "listeners=" + listener, "--override", "advertised.listeners=" + listener,
                "--override", "log.dirs=" + config.dataDir().resolve("data").resolve("queue"));
    }

    private static Map<String, String> where(Object... keyValues) {
        Map<String, String> where = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            where.put((String) keyValues[i], String.valueOf(keyValues[i + 1]));
        }
        return where;
    }

    private static RotatingLog log(ApplianceConfig config, Appliance.Layout layout, String part, List<RotatingLog> logs)
            throws IOException {
        RotatingLog log = new RotatingLog(layout.log(part), config.logMaxBytes(), config.logMaxFiles());
        logs.add(log);
        return log;
    }

    private static ChildPart child(ApplianceConfig config, Appliance.Layout layout, List<RotatingLog> logs, String name,
            List<String> command, Map<String, String> env, ChildPart.Readiness readiness, Map<String, String> where)
            throws IOException {
        return new ChildPart(name, command, env, readiness, Duration.ofMinutes(3), log(config, layout, name, logs), where);
    }
}
