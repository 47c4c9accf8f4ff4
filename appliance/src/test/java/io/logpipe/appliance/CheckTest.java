package io.logpipe.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.testkit.FreePorts;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/appliance check} on configs written to have each mismatch it looks for, and on one that has none. */
class CheckTest {
    @TempDir
    Path dir;

    private ApplianceConfig write(String shipperTopic, String pipelineTopic, String rulePattern, String elasticsearch,
            String kafka) throws Exception {
        Files.writeString(dir.resolve("shipper.yml"), """
                filebeat.inputs:
                  - type: log
                    paths: ["%s/*.log"]
                    fields:
                      log_topic: %s
                output.kafka:
                  hosts: ["${KAFKA_BOOTSTRAP_SERVERS:127.0.0.1:9092}"]
                  topic: '%%{[fields.log_topic]}'
                """.formatted(dir, shipperTopic));
        Files.writeString(dir.resolve("pipeline.conf"), """
                input { kafka { bootstrap_servers => "${KAFKA_BOOTSTRAP_SERVERS}" topics => ["%s"] codec => json } }
                output { elasticsearch { hosts => ["${ELASTICSEARCH_URL}"] index => "%s-%%{+YYYY.MM.dd}" } }
                """.formatted(pipelineTopic, pipelineTopic));
        Files.writeString(dir.resolve("retention.yml"), """
                elasticsearch:
                  hosts: ["${ELASTICSEARCH_URL}"]
                rules:
                  - name: logs
                    pattern: "%s"
                    date_format: "yyyy.MM.dd"
                    keep: 5d
                """.formatted(rulePattern));
        Files.createDirectories(dir.resolve("settings"));
        return appliance(elasticsearch, "kafka:\n  bootstrap_servers: \"" + kafka + "\"");
    }

    /** appliance.yml for the files above; {@code broker} is its kafka: or queue: section. */
    private ApplianceConfig appliance(String elasticsearch, String broker) throws Exception {
        Files.writeString(dir.resolve("appliance.yml"), """
                path.data: %s
                elasticsearch:
                  hosts: ["%s"]
                %s
                indexer:
                  pipeline: %s
                  settings: %s
                shipper:
                  config: %s
                retention:
                  config: %s
                """.formatted(dir.resolve("var"), elasticsearch, broker, dir.resolve("pipeline.conf"),
                dir.resolve("settings"), dir.resolve("shipper.yml"), dir.resolve("retention.yml")));
        return ApplianceConfig.load(ApplianceRun.home(), dir.resolve("appliance.yml"));
    }

    @Test
    void findsTheClassicTopicMismatchAnUncoveredIndexAndUnreachableServers() throws Exception {
        // The tutorial set-up this replaces: nginx_log in filebeat.yml, nginx.access in the pipeline.
        String closed = "127.0.0.1:" + FreePorts.pick();
        List<String> problems = Check.problemsOf(write("nginx_log", "nginx.access", "app-*",
                "http://" + closed, closed));
        String all = String.join("\n", problems);
        assertTrue(all.contains("writes topic 'nginx_log' but no pipeline reads it"), all);
        assertTrue(all.contains("reads topic 'nginx.access' but the shipper writes only [nginx_log]"), all);
        assertTrue(all.contains("index nginx.access-%{+YYYY.MM.dd}") && all.contains("covered by no retention rule"), all);
        assertTrue(all.contains("Kafka broker " + closed + " is unreachable"), all);
        assertTrue(all.contains("Elasticsearch http://" + closed + " is unreachable"), all);
        assertEquals(5, problems.size(), all);
    }

    @Test
    void aConsistentSetUpHasNoProblemAndABrokenPipelineIsReportedWithItsPosition() throws Exception {
        try (var es = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                var kafka = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ApplianceConfig config = write("nginx.access", "nginx.access", "nginx.access-*",
                    "http://127.0.0.1:" + es.getLocalPort(), "127.0.0.1:" + kafka.getLocalPort());
            assertEquals(List.of(), Check.problemsOf(config));

            Files.writeString(dir.resolve("pipeline.conf"), """
                    input { kafka { topics => ["nginx.access"] } }
                    output { elasticsearch { hosts => ["${ELASTICSEARCH_URL}"] index => "nginx.access-%{+YYYY.MM.dd}" }
                    """);
            String all = String.join("\n", Check.problemsOf(config));
            assertTrue(all.contains("pipeline " + dir.resolve("pipeline.conf") + " is invalid"), all);
            assertTrue(all.contains("pipeline.conf:"), "the component's file:line error: " + all);
        }
    }

    @Test
    void theRetentionRulesAndTheQueuesServerPropertiesAreValidatedByTheirComponents() throws Exception {
        write("nginx.access", "nginx.access", "nginx.access-*", "http://127.0.0.1:1", "127.0.0.1:1");
        Files.writeString(dir.resolve("retention.yml"), """
                elasticsearch:
                  hosts: ["${ELASTICSEARCH_URL}"]
                rules:
                  - name: logs
                    pattern: "nginx.access-*"
                    date_format: "yyyy.MM.dd"
                    keep: forever
                """);
        Files.writeString(dir.resolve("server.properties"), "node.id=1\nnum.partitions=many\n");
        // the bundled queue (no kafka.bootstrap_servers), run with this server.properties
        ApplianceConfig config = appliance("http://127.0.0.1:1", "queue:\n  port: " + FreePorts.pick()
                + "\n  config: " + dir.resolve("server.properties"));
        String all = String.join("\n", Check.problemsOf(config));
        assertTrue(all.contains("retention config " + dir.resolve("retention.yml") + " is invalid"), all);
        assertTrue(all.contains("retention.yml:7"), "prune's own file:line error: " + all);
        assertTrue(all.contains("queue config " + dir.resolve("server.properties") + " is invalid"), all);
        assertTrue(all.contains("server.properties:2"), "the queue's own file:line error: " + all);

        Files.writeString(dir.resolve("retention.yml"), Files.readString(dir.resolve("retention.yml"))
                .replace("forever", "5d"));
        Files.writeString(dir.resolve("server.properties"), "node.id=1\nnum.partitions=3\n");
        all = String.join("\n", Check.problemsOf(config));
        assertFalse(all.contains("retention config"), all);
        assertFalse(all.contains("queue config"), all);
    }
}
