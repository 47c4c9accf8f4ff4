package io.logpipe.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conf/appliance.yml: which parts run here, the addresses every part is given, and the errors users see. */
class ApplianceConfigTest {
    @TempDir
    Path dir;

    @Test
    void theShippedConfigRunsEverythingHereWithoutAWarning() {
        Path home = ApplianceRun.home();
        ApplianceConfig config = ApplianceConfig.load(home, home.resolve("conf/appliance.yml"));
        assertEquals(List.of(), config.warnings());
        assertTrue(config.embeddedElasticsearch());
        assertTrue(config.bundledQueue());
        assertEquals("http://127.0.0.1:9200", config.elasticsearchUrl());
        assertEquals("127.0.0.1:9092", config.kafkaBootstrap());
        assertEquals("1g", config.elasticsearchHeap());
        assertEquals(home.resolve("var"), config.dataDir());
    }

    @Test
    void externalClusterAndBrokersReplaceTheEmbeddedNodeAndTheBundledQueue() throws Exception {
        Path file = dir.resolve("appliance.yml");
        Files.writeString(file, """
                elasticsearch:
                  hosts: ["https://es1:9200", "https://es2:9200"]
                kafka:
                  bootstrap_servers: "k1:9092, k2:9092"
                shiper:
                  enabled: false
                """);
        ApplianceConfig config = ApplianceConfig.load(dir, file);
        assertFalse(config.embeddedElasticsearch());
        assertFalse(config.bundledQueue());
        assertEquals("https://es1:9200 https://es2:9200", config.elasticsearchUrl(), "every host, as a uri_list");
        assertEquals(List.of("https://es1:9200", "https://es2:9200"), config.elasticsearchUrls());
        assertEquals("k1:9092,k2:9092", config.kafkaBootstrap());
        assertEquals(List.of(file + ":6:12: setting 'shiper.enabled' does not apply to the appliance and is ignored"),
                config.warnings());
    }

    @Test
    void wrongValuesFailWithFileLineAndColumn() throws Exception {
        Path file = dir.resolve("appliance.yml");
        Files.writeString(file, "elasticsearch:\n  heap: lots\n");
        var heap = assertThrows(ConfigException.class,
                () -> ApplianceConfig.load(dir, file).validate());
        assertEquals(file + ":2:9: 'elasticsearch.heap' must look like 512m or 2g, not 'lots'", heap.getMessage());
        Files.writeString(file, "queue:\n  port: 99999\n");
        var port = assertThrows(ConfigException.class, () -> ApplianceConfig.load(dir, file).validate());
        assertEquals(file + ":2:9: 'queue.port' must be a port number from 0 to 65535, not '99999'", port.getMessage());
    }
}
