package io.logpipe.indexer.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionConfigTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream warnings = new ByteArrayOutputStream();

    RetentionConfig.Loaded load(String yaml, Map<String, String> env) throws Exception {
        Path file = dir.resolve("retention.yml");
        Files.writeString(file, yaml);
        return RetentionConfig.load(file, env::get, new PrintStream(warnings, true, StandardCharsets.UTF_8));
    }

    String error(String yaml) {
        return assertThrows(ConfigException.class, () -> load(yaml, Map.of())).getMessage();
    }

    @Test
    void maxSizeAndTheDiskGuard() throws Exception {
        String rule = """
                elasticsearch:
                  hosts: ["http://es1:9200"]
                rules:
                  - pattern: nginx.access-*
                    date_format: yyyy.MM.dd
                    keep: 30d
                    max_size: 50gb
                """;
        var loaded = load(rule, Map.of());
        assertEquals(50L << 30, loaded.rules().get(0).maxSizeBytes());
        assertEquals(RetentionConfig.DiskGuard.DEFAULT, loaded.diskGuard(), "the disk guard is on by default");
        assertEquals(new RetentionConfig.DiskGuard(85, Duration.ofMinutes(2)),
                load(rule + "disk_guard:\n  max_used: 85%\n  check_every: 2m\n", Map.of()).diskGuard());
        assertEquals(null, load(rule + "disk_guard:\n  enabled: false\n", Map.of()).diskGuard());
        assertEquals(dir.resolve("retention.yml") + ":7:15: max_size: 'lots' is no size; write it like 500mb, 50gb or 2tb",
                error(rule.replace("50gb", "lots")));
        assertTrue(error(rule + "disk_guard:\n  max_used: 120%\n").contains(":9:13: max_used must be a percentage"),
                error(rule + "disk_guard:\n  max_used: 120%\n"));
    }

    @Test
    void readsRulesWithSharedAndPerRuleConnections() throws Exception {
        var loaded = load("""
                elasticsearch:
                  hosts: ["http://es1:9200", "es2"]
                  user: prune
                  password: "${PRUNE_PW}"
                schedule: "03:30"
                rules:
                  - name: nginx
                    pattern: nginx.access-*
                    date_format: yyyy.MM.dd
                    keep: 5d
                  - pattern: top-*-log-*
                    date_format: yyyy.MM.dd.HH
                    keep: 36h
                    elasticsearch:
                      hosts: "http://other:9201"
                      user: "${OTHER_USER:ops}"
                      password: x
                """, Map.of("PRUNE_PW", "from-env"));
        assertEquals(LocalTime.of(3, 30), loaded.schedule());
        assertEquals(2, loaded.rules().size());
        RetentionRule nginx = loaded.rules().get(0);
        assertEquals(Duration.ofDays(5), nginx.keep());
        assertEquals("from-env", nginx.connection().password());
        assertEquals(2, nginx.connection().hosts().size());
        RetentionRule top = loaded.rules().get(1);
        assertEquals("top-*-log-*", top.name(), "a rule without a name is named by its pattern");
        assertEquals(Duration.ofHours(36), top.keep());
        assertEquals("ops", top.connection().user());
        assertEquals(9201, top.connection().hosts().get(0).getPort());
    }

    @Test
    void scheduleDefaultsToFourInTheMorning() throws Exception {
        var loaded = load("""
                elasticsearch: {hosts: ["http://es1:9200"]}
                rules: [{pattern: "a-*", date_format: "yyyy.MM.dd", keep: 1w}]
                """, Map.of());
        assertEquals(LocalTime.of(4, 0), loaded.schedule());
        assertEquals(Duration.ofDays(7), loaded.rules().get(0).keep());
    }

    @Test
    void unknownKeysAreWarnedAboutInOneLineAndIgnored() throws Exception {
        load("""
                elasticsearch:
                  hosts: ["http://es1:9200"]
                  sniffing: true
                rules:
                  - {pattern: "a-*", date_format: "yyyy.MM.dd", keep: 5d}
                """, Map.of());
        String text = warnings.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.contains("retention.yml:3:3: warning: 'sniffing' means nothing"), text);
    }

    @Test
    void wrongValuesFailWithFileLineColumnAndWhatToWrite() {
        String keep = error("""
                elasticsearch: {hosts: ["http://es1:9200"]}
                rules:
                  - pattern: "a-*"
                    date_format: "yyyy.MM.dd"
                    keep: five days
                """);
        assertTrue(keep.contains("retention.yml:5:11: keep: 'five days' is not an age; write a number and a unit"), keep);

        String pattern = error("""
                elasticsearch: {hosts: ["http://es1:9200"]}
                rules:
                  - {pattern: "a-*-b", date_format: "yyyy.MM.dd", keep: 5d}
                """);
        assertTrue(pattern.contains("retention.yml:3:15: pattern 'a-*-b' must end with '*'"), pattern);

        String format = error("""
                elasticsearch: {hosts: ["http://es1:9200"]}
                rules:
                  - {pattern: "a-*", date_format: "yyyy.qq", keep: 5d}
                """);
        assertTrue(format.contains("retention.yml:3:35:") && format.contains("'q'"), format);

        String hosts = error("""
                rules:
                  - {pattern: "a-*", date_format: "yyyy.MM.dd", keep: 5d}
                """);
        assertTrue(hosts.contains("retention.yml:2:5: no Elasticsearch hosts"), hosts);

        String env = error("""
                elasticsearch: {hosts: ["http://es1:9200"], user: u, password: "${NOT_SET_ANYWHERE}"}
                rules: [{pattern: "a-*", date_format: "yyyy.MM.dd", keep: 5d}]
                """);
        assertTrue(env.contains("${NOT_SET_ANYWHERE} is not set"), env);

        String yaml = error("""
                rules:
                  - pattern: "a-*
                """);
        assertTrue(yaml.matches("(?s).*retention.yml:\\d+:\\d+: .*"), yaml);

        assertTrue(error("").contains("empty"));
        assertTrue(error("rules: []\n").contains("rules must be a list"));
    }
}
