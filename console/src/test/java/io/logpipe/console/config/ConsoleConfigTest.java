package io.logpipe.console.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.config.ConfigException;
import io.logpipe.console.auth.PasswordHash;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleConfigTest {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream warnings = new ByteArrayOutputStream();

    private ConsoleConfig load(String yaml, Map<String, String> env) throws Exception {
        Path file = dir.resolve("console.yml");
        Files.writeString(file, yaml);
        return ConsoleConfig.load(file, env::get, new PrintStream(warnings, true, StandardCharsets.UTF_8));
    }

    @Test
    void defaultsAreKibanasPortOnLoopbackAndTheLocalComponents() throws Exception {
        ConsoleConfig c = load("", Map.of());
        assertEquals("127.0.0.1", c.host());
        assertEquals(5601, c.port());
        assertEquals(List.of(URI.create("http://127.0.0.1:9200")), c.elasticsearchHosts());
        assertEquals("127.0.0.1:9092", c.kafkaBootstrapServers());
        assertEquals(URI.create("http://127.0.0.1:9600"), c.indexerApi());
        assertEquals(Path.of("conf/retention.yml"), c.retentionConfig());
        assertFalse(c.requiresLogin());
        assertEquals(null, c.shipperApi(), "no shipper figures unless a shipper.api or SHIPPER_API says where");
        assertEquals(URI.create("http://127.0.0.1:5067"), load("", Map.of("SHIPPER_API", "http://127.0.0.1:5067"))
                .shipperApi());
    }

    @Test
    void theShippedFileLoadsWithTheEnvironmentsAddresses() throws Exception {
        Path shipped = Path.of("..", "conf", "console.yml");
        ConsoleConfig c = ConsoleConfig.load(shipped, Map.of("ELASTICSEARCH_URL", "http://es.example:9200",
                "KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092")::get, new PrintStream(warnings, true, StandardCharsets.UTF_8));
        assertEquals(List.of(URI.create("http://es.example:9200")), c.elasticsearchHosts());
        assertEquals("k1:9092,k2:9092", c.kafkaBootstrapServers());
        assertEquals(URI.create("http://127.0.0.1:5066"), c.shipperApi());
        assertEquals("", warnings.toString());
    }

    @Test
    void severalHostsFromTheAppliancesElasticsearchUrlAreAllUsed() throws Exception {
        Path shipped = Path.of("..", "conf", "console.yml");
        ConsoleConfig c = ConsoleConfig.load(shipped, Map.of("ELASTICSEARCH_URL", "http://es1:9200 http://es2:9200")::get,
                new PrintStream(warnings, true, StandardCharsets.UTF_8));
        assertEquals(List.of(URI.create("http://es1:9200"), URI.create("http://es2:9200")), c.elasticsearchHosts());
    }

    @Test
    void nestedKeysKibanaKeysThatDoNotApplyWarnInOneLine() throws Exception {
        ConsoleConfig c = load("""
                server:
                  port: 5602
                  name: my-kibana
                i18n.locale: en
                """, Map.of());
        assertEquals(5602, c.port());
        String[] lines = warnings.toString().strip().split("\n");
        assertEquals(2, lines.length, warnings.toString());
        assertTrue(lines[0].matches(".*console.yml:3:\\d+: setting 'server.name' does not apply.*"), lines[0]);
        assertTrue(lines[1].contains("'i18n.locale'"), lines[1]);
    }

    @Test
    void dataDirsAndTheLoginLimitHaveTheAppliancesDefaultsAndFailWithFileAndLine() throws Exception {
        ConsoleConfig defaults = load("", Map.of());
        assertEquals(Map.of("queue", Path.of("var/data/queue"), "indexer", Path.of("var/data/indexer")),
                defaults.dataDirs());
        assertEquals(ConsoleConfig.LoginLimit.DEFAULT, defaults.loginLimit());
        ConsoleConfig set = load("queue.data_dir: /srv/queue\nconsole.login.max_failures: 3\n"
                + "console.login.lockout: 15m\n", Map.of());
        assertEquals(Path.of("/srv/queue"), set.dataDirs().get("queue"));
        assertEquals(new ConsoleConfig.LoginLimit(3, java.time.Duration.ofMinutes(15)), set.loginLimit());
        ConfigException lockout = assertThrows(ConfigException.class, () -> load("console.login.lockout: a while\n",
                Map.of()));
        assertTrue(lockout.getMessage().matches(".*console.yml:1:\\d+: console.login.lockout: 'a while' is not a "
                + "duration.*"), lockout.getMessage());
        ConfigException failures = assertThrows(ConfigException.class, () -> load("console.login.max_failures: 0\n",
                Map.of()));
        assertTrue(failures.getMessage().contains("console.yml:1:"), failures.getMessage());
    }

    @Test
    void aWrongValueFailsWithFileAndLine() {
        ConfigException port = assertThrows(ConfigException.class, () -> load("server.host: 127.0.0.1\nserver.port: web\n", Map.of()));
        assertTrue(port.getMessage().matches(".*console.yml:2:14: server.port must be a port number.*"), port.getMessage());
        ConfigException url = assertThrows(ConfigException.class, () -> load("elasticsearch.hosts: [\"es:9200\"]\n", Map.of()));
        assertTrue(url.getMessage().contains("console.yml:1:") && url.getMessage().contains("not an http(s) URL"), url.getMessage());
        ConfigException unset = assertThrows(ConfigException.class, () -> load("elasticsearch.password: ${ES_PW}\n", Map.of()));
        assertTrue(unset.getMessage().contains("${ES_PW} is not set"), unset.getMessage());
    }

    @Test
    void usersAreStoredHashedNeverInClear() throws Exception {
        String hash = PasswordHash.hash("s3cret".toCharArray());
        ConsoleConfig c = load("server.host: 0.0.0.0\nconsole.users:\n  - username: ops\n    password_hash: \"" + hash + "\"\n", Map.of());
        assertTrue(c.requiresLogin());
        assertEquals("ops", c.users().get(0).name());
        assertTrue(PasswordHash.verify("s3cret".toCharArray(), c.users().get(0).passwordHash()));
        assertFalse(PasswordHash.verify("s3cre".toCharArray(), c.users().get(0).passwordHash()));
        ConfigException clear = assertThrows(ConfigException.class,
                () -> load("console.users:\n  - username: ops\n    password: s3cret\n", Map.of()));
        assertTrue(clear.getMessage().contains("console.yml:3:") && clear.getMessage().contains("never stored in clear"),
                clear.getMessage());
    }
}
