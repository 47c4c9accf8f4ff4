package io.logpipe.shipper.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The filebeat.yml 7.x dialect: what is accepted, and how wrong configurations are reported. */
class ShipperConfigTest {
    private final List<String> warnings = new ArrayList<>();

    private ShipperConfig parse(String yaml) {
        return ShipperConfig.from(Path.of("f.yml"), ConfigFile.parse("f.yml", yaml), warnings::add);
    }

    private ConfigException fails(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml));
    }

    @Test
    void theShippedDefaultConfigIsValid() {
        Section root = ConfigFile.load(Path.of("../conf/shipper.yml"));
        ShipperConfig c = ShipperConfig.from(Path.of("conf/shipper.yml"), root, warnings::add);
        assertEquals(1, c.inputs().size());
        OutputConfig.Kafka k = (OutputConfig.Kafka) c.output();
        assertEquals(List.of("127.0.0.1:9092"), k.hosts());
        assertEquals("round_robin", k.partition().strategy());
        assertEquals("lz4", k.compression());
        assertTrue(c.inputs().get(0).symlinks(), "symlinks are followed unless turned off");
        assertEquals(List.of(), warnings);
    }

    @Test
    void loggingToFilesIsHonouredAsFilebeatDoes() {
        String base = """
                filebeat.inputs:
                  - type: log
                    paths: ["/var/log/*.log"]
                output.kafka:
                  hosts: ["127.0.0.1:9092"]
                  topic: logs
                """;
        assertEquals(null, parse(base).logFiles(), "stderr unless logging.to_files: true");
        ShipperConfig files = parse(base + """
                logging.to_files: true
                logging.files:
                  path: /var/log/shipper
                  name: shipper.log
                  rotateeverybytes: 1048576
                  keepfiles: 3
                  permissions: 0640
                """);
        assertEquals(new ShipperConfig.LogFiles(Path.of("/var/log/shipper/shipper.log"), 1048576, 3), files.logFiles());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("logging.files.permissions is ignored")), warnings.toString());
        assertEquals(new ShipperConfig.LogFiles(Path.of("/srv/logs/shipper"), 10L * 1024 * 1024, 7),
                parse(base + "path.logs: /srv/logs\nlogging.to_files: true\n").logFiles());
        assertEquals(null, parse(base + "logging.to_files: true\nlogging.to_stderr: true\n").logFiles(),
                "-e (logging.to_stderr) wins, as in Filebeat");
    }

    @Test
    void dottedAndNestedKeysMeanTheSame() {
        ShipperConfig nested = parse("""
                filebeat:
                  inputs:
                    - type: log
                      paths: [/var/log/a.log]
                      multiline:
                        pattern: '^\\d'
                        negate: true
                        match: after
                output:
                  kafka:
                    hosts: ["h:9092"]
                    topic: t
                """);
        ShipperConfig dotted = parse("""
                filebeat.inputs:
                  - paths: [/var/log/a.log]
                    multiline.pattern: '^\\d'
                    multiline.negate: true
                    multiline.match: after
                output.kafka.hosts: ["h:9092"]
                output.kafka.topic: t
                """);
        for (ShipperConfig c : List.of(nested, dotted)) {
            MultilineConfig m = c.inputs().get(0).multiline();
            assertEquals(MultilineConfig.Type.PATTERN, m.type());
            assertTrue(m.negate());
            assertEquals(MultilineConfig.Match.AFTER, m.match());
            assertEquals("^\\d", m.pattern().pattern());
            assertEquals(MultilineConfig.DEFAULT_MAX_LINES, m.maxLines());
            assertEquals(Duration.ofSeconds(5), m.timeout());
        }
        assertEquals(List.of(), warnings);
    }

    @Test
    void everyDocumentedInputSettingIsRead() {
        ShipperConfig c = parse("""
                name: web-1
                tags: [global]
                fields: {env: prod}
                path.data: /tmp/x
                logging.level: debug
                filebeat.inputs:
                  - type: log
                    paths: ["/var/log/**/*.log"]
                    exclude_files: ['\\.gz$']
                    include_lines: ['^ERR', '^WARN']
                    exclude_lines: ['^DBG']
                    fields: {log_topic: app}
                    fields_under_root: true
                    tags: [app]
                    encoding: latin1
                    json.keys_under_root: true
                    json.add_error_key: true
                    ignore_older: 48h
                    close_inactive: 1m
                    close_renamed: true
                    close_removed: false
                    clean_removed: false
                    scan_frequency: 2s
                    tail_files: true
                    harvester_buffer_size: 32768
                    max_bytes: 1MiB
                    symlinks: false
                    multiline.type: count
                    multiline.count_lines: 3
                output.kafka:
                  hosts: ["a:9092", "b:9092"]
                  topic: '%{[fields.log_topic]}'
                  key: '%{[host.name]}'
                  partition.hash:
                    hash: [message]
                  required_acks: -1
                  compression: zstd
                  max_message_bytes: 2000000
                  bulk_max_size: 512
                  client_id: web
                """);
        assertEquals("web-1", c.name());
        assertEquals("debug", c.logLevel());
        InputConfig in = c.inputs().get(0);
        assertEquals(Map.of("log_topic", "app"), in.event().rootFields());
        assertEquals(Map.of("env", "prod"), in.event().fields());
        assertEquals(List.of("app", "global"), in.event().tags());
        assertEquals("ISO-8859-1", in.encoding().name());
        assertTrue(in.event().json().keysUnderRoot());
        assertEquals(Duration.ofHours(48), in.ignoreOlder());
        assertEquals(Duration.ofMinutes(1), in.closeInactive());
        assertTrue(in.closeRenamed());
        assertFalse(in.closeRemoved());
        assertFalse(in.cleanRemoved());
        assertEquals(Duration.ofSeconds(2), in.scanFrequency());
        assertTrue(in.tailFiles());
        assertEquals(32768, in.bufferSize());
        assertEquals(1 << 20, in.maxBytes());
        assertFalse(in.symlinks());
        assertEquals(3, in.multiline().countLines());
        assertEquals(2, in.includeLines().size());
        OutputConfig.Kafka k = (OutputConfig.Kafka) c.output();
        assertEquals("hash", k.partition().strategy());
        assertEquals(List.of("message"), k.partition().hashFields());
        assertEquals(-1, k.requiredAcks());
        assertEquals("zstd", k.compression());
        assertEquals(2_000_000, k.maxMessageBytes());
        assertEquals(512, k.bulkMaxSize());
        assertEquals("web", k.clientId());
        assertEquals(List.of(), warnings);
    }

    @Test
    void legacyProspectorsAreInputs() {
        ShipperConfig c = parse("""
                filebeat.prospectors:
                  - input_type: log
                    paths: [/var/log/a.log]
                output.console: {}
                """);
        assertEquals(1, c.inputs().size());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("filebeat.prospectors is the old name")), warnings
                .toString());
    }

    @Test
    void filestreamParsersAreUnderstood() {
        ShipperConfig c = parse("""
                filebeat.inputs:
                  - type: filestream
                    id: app
                    paths: [/var/log/a.log]
                    prospector.scanner.symlinks: false
                    parsers:
                      - multiline:
                          type: pattern
                          pattern: '^\\['
                          negate: true
                          match: after
                output.console: {}
                """);
        InputConfig in = c.inputs().get(0);
        assertEquals("filestream", in.type());
        assertFalse(in.symlinks());
        assertEquals("^\\[", in.multiline().pattern().pattern());
        assertEquals(List.of(), warnings);
    }

    @Test
    void posixClassesInPatternsMeanWhatTheyMeanInGo() {
        ShipperConfig c = parse("""
                filebeat.inputs:
                  - paths: [/a.log]
                    multiline.pattern: '^[[:space:]]'
                    multiline.negate: false
                    multiline.match: after
                output.console: {}
                """);
        var p = c.inputs().get(0).multiline().pattern();
        assertTrue(p.matcher("\tat com.example.Foo(Foo.java:1)").find());
        assertFalse(p.matcher("space: not a continuation").find());
    }

    @Test
    void yamlSyntaxErrorsPointAtLineAndColumn() {
        ConfigException e = fails("""
                filebeat.inputs:
                  - paths: [/a.log
                output.console: {}
                """);
        assertTrue(e.getMessage().startsWith("f.yml:3:"), e.getMessage());
        assertTrue(e.getMessage().contains("invalid YAML"), e.getMessage());
    }

    @Test
    void aWrongValueFailsAtItsPlaceAndSaysWhatToUse() {
        ConfigException e = fails("""
                filebeat.inputs:
                  - paths: [/a.log]
                    multiline.pattern: '^\\d'
                    multiline.match: afterr
                output.console: {}
                """);
        assertEquals("f.yml:4:22: filebeat.inputs[0].multiline.match: 'afterr' is not a match mode; use after or "
                + "before", e.getMessage());
    }

    @Test
    void badValuesOfEveryKind() {
        String base = "output.console: {}\nfilebeat.inputs:\n  - paths: [/a.log]\n";
        assertTrue(fails(base + "    close_inactive: 5 minutes\n").getMessage()
                .startsWith("f.yml:4:21: filebeat.inputs[0].close_inactive: '5 minutes' is not a duration"));
        assertTrue(fails(base + "    tail_files: maybe\n").getMessage().contains("'maybe' is not a boolean"));
        assertTrue(fails(base + "    include_lines: ['(unclosed']\n").getMessage()
                .contains("is not a valid regular expression"));
        assertTrue(fails(base + "    encoding: klingon\n").getMessage().contains("'klingon' is not a known encoding"));
        assertTrue(fails(base + "    multiline.type: pattern\n    multiline.match: after\n").getMessage()
                .contains("multiline.pattern is required"));
        assertTrue(fails("filebeat.inputs:\n  - paths: [/a.log]\noutput.kafka:\n  hosts: [nohostport]\n  topic: t\n")
                .getMessage().startsWith("f.yml:4:10: output.kafka.hosts: 'nohostport' is not host:port"));
        assertTrue(fails("filebeat.inputs:\n  - paths: [/a.log]\noutput.kafka:\n  hosts: ['h:1']\n  topic: t\n"
                + "  compression: brotli\n").getMessage().contains("'brotli' is not a codec"));
        assertTrue(fails("filebeat.inputs:\n  - paths: [/a.log]\noutput.kafka:\n  hosts: ['h:1']\n  topic: t\n"
                + "  required_acks: 2\n").getMessage().contains("out of range"));
        assertTrue(fails("filebeat.inputs:\n  - paths: [/a.log]\n").getMessage().contains("no output configured"));
        assertTrue(fails("filebeat.inputs:\n  - paths: [/a.log]\noutput.console: {}\noutput.file.path: /tmp\n")
                .getMessage().contains("only one output may be enabled"));
        assertTrue(fails("filebeat.inputs:\n  - type: stdin\noutput.console: {}\n").getMessage()
                .contains("input type 'stdin' is not supported"));
        assertTrue(fails("a: 1\na: 2\n").getMessage().contains("f.yml:2:1"), "duplicate keys are an error");
    }

    @Test
    void aTopicNamingAFieldAnInputLacksFailsAtStart() {
        ConfigException e = fails("""
                filebeat.inputs:
                  - paths: [/a.log]
                    fields: {log_topic: a}
                  - paths: [/b.log]
                output.kafka:
                  hosts: ["h:9092"]
                  topic: '%{[fields.log_topic]}'
                """);
        assertTrue(e.getMessage().startsWith("f.yml:7:10: output.kafka.topic"), e.getMessage());
        assertTrue(e.getMessage().contains("input 1"), e.getMessage());
        parse("""
                filebeat.inputs:
                  - paths: [/b.log]
                output.kafka:
                  hosts: ["h:9092"]
                  topic: '%{[fields.log_topic]:fallback}'
                """);
    }

    @Test
    void unknownKeysAreWarnedOnceEachAndIgnored() {
        ShipperConfig c = parse("""
                filebeat.inputs:
                  - paths: [/a.log]
                    colour: blue
                processors:
                  - add_host_metadata: ~
                  - drop_fields: {fields: [a]}
                output.console: {}
                shiny: true
                """);
        assertEquals(1, c.inputs().size());
        assertEquals(3, warnings.size(), warnings.toString());
        assertTrue(warnings.contains("f.yml:3:13: unknown input setting filebeat.inputs[0].colour is ignored"),
                warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("f.yml:5:3: processors is ignored")), warnings
                .toString());
        assertTrue(warnings.contains("f.yml:8:8: unknown setting shiny is ignored"), warnings.toString());
    }

    @Test
    void commandLineOverridesReplaceFileValues() {
        Section root = ConfigFile.parse("f.yml", """
                filebeat.inputs:
                  - paths: [/a.log]
                output.kafka:
                  hosts: ["h:9092"]
                  topic: t
                path.data: /var/lib/x
                """);
        ConfigFile.override(root, "path.data=/tmp/other");
        ConfigFile.override(root, "output.kafka.hosts=[\"127.0.0.1:1234\"]");
        ShipperConfig c = ShipperConfig.from(Path.of("f.yml"), root, warnings::add);
        assertEquals(Path.of("/tmp/other"), c.dataPath());
        assertEquals(List.of("127.0.0.1:1234"), ((OutputConfig.Kafka) c.output()).hosts());
        ConfigFile.override(root, "output.kafka.required_acks=7");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ShipperConfig.from(Path.of("f.yml"), root, warnings::add));
        assertTrue(e.getMessage().startsWith("-E output.kafka.required_acks=7: "), e.getMessage());
    }

    @Test
    void environmentVariablesExpandWithDefaults() {
        ShipperConfig c = parse("""
                filebeat.inputs:
                  - paths: ['${LOGPIPE_TEST_UNSET_VAR:/var/log}/a.log']
                output.console: {}
                """);
        assertEquals(List.of("/var/log/a.log"), c.inputs().get(0).paths());
        assertNull(System.getenv("LOGPIPE_TEST_UNSET_VAR"));
        assertTrue(fails("filebeat.inputs:\n  - paths: ['${LOGPIPE_TEST_UNSET_VAR}/a.log']\noutput.console: {}\n")
                .getMessage().contains("${LOGPIPE_TEST_UNSET_VAR} is not set in the environment and has no default"));
    }
}
