package io.logpipe.indexer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: -t, -e, -f, --path.settings with indexer.yml and pipelines.yml, and the errors users see. */
class IndexerTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) throws Exception {
        return Indexer.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpDescribesEveryOption() throws Exception {
        assertEquals(0, run("--help"));
        for (String option : new String[] {"-f", "-e", "-t", "--path.settings", "--path.data", "SIGTERM"}) {
            assertTrue(out().contains(option), option);
        }
    }

    @Test
    void testAndExitAcceptsTheShippedPipeline() throws Exception {
        Path shipped = io.logpipe.indexer.config.ConfigParserTest.findRepoFile("pipelines/kafka_to_es.conf");
        assertEquals(0, run("-t", "-f", shipped.toString(), "--path.data", dir.toString()));
        assertTrue(out().startsWith("Configuration OK (1 pipeline(s): main)"), out());
    }

    @Test
    void testAndExitReportsParseErrorsWithFileLineColumn() throws Exception {
        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "input {\n  kafka {\n    topics => [\"a\"\n  }\n}\n");
        ConfigException error = assertThrows(ConfigException.class, () -> run("-t", "-f", bad.toString()));
        assertEquals(bad + ":4:3: expected ',' or ']' in array but found '}'", error.getMessage());
    }

    @Test
    void unknownPluginsAndSettingsFailAtStartNotAtTheFirstEvent() throws Exception {
        ConfigException plugin = assertThrows(ConfigException.class,
                () -> run("-t", "-e", "input { kafka { } }\nfilter {\n  geoip { source => \"ip\" }\n}"));
        assertTrue(plugin.getMessage().startsWith("config string:3:3: unknown filter plugin 'geoip'"), plugin.getMessage());
        ConfigException setting = assertThrows(ConfigException.class,
                () -> run("-t", "-e", "input { kafka { topic => \"x\" } }"));
        assertTrue(setting.getMessage().startsWith("config string:1:17: unknown setting 'topic' for input 'kafka'"),
                setting.getMessage());
        ConfigException codec = assertThrows(ConfigException.class,
                () -> run("-t", "-e", "input { kafka { codec => avro } }"));
        assertTrue(codec.getMessage().contains("unknown codec 'avro'"), codec.getMessage());
        ConfigException variable = assertThrows(ConfigException.class,
                () -> run("-t", "-e", "output { elasticsearch { hosts => \"${LOGPIPE_SURELY_UNSET_VAR}\" } }"));
        assertTrue(variable.getMessage().contains("variable ${LOGPIPE_SURELY_UNSET_VAR} is not set"), variable.getMessage());
    }

    @Test
    void settingsDirectoryWithIndexerYmlAndPipelinesYml() throws Exception {
        Files.writeString(dir.resolve("indexer.yml"), "pipeline:\n  workers: 3\npath.data: " + dir.resolve("data")
                + "\nqueue.type: persisted\n");
        Files.writeString(dir.resolve("a.conf"), "output { stdout { } }");
        Files.writeString(dir.resolve("pipelines.yml"), "- pipeline.id: one\n  path.config: \"" + dir.resolve("a.conf")
                + "\"\n- pipeline.id: two\n  config.string: \"output { stdout { codec => json_lines } }\"\n");
        assertEquals(0, run("-t", "--path.settings", dir.toString()));
        assertTrue(out().contains("2 pipeline(s): one, two"), out());

        Files.writeString(dir.resolve("indexer.yml"), "pipeline.workers: many\n");
        ConfigException wrong = assertThrows(ConfigException.class, () -> run("-t", "--path.settings", dir.toString()));
        assertEquals(dir.resolve("indexer.yml") + ":1:19: 'pipeline.workers' must be a whole number of at least 1, not 'many'",
                wrong.getMessage());
    }

    @Test
    void aLogstashUsersSettingsDirectoryIsReadWhenItHasNoIndexerYml() throws Exception {
        Files.writeString(dir.resolve("logstash.yml"), "node.name: central-1\npipeline.ordered: true\n"
                + "pipeline.shutdown_timeout: 12s\npath.logs: " + dir.resolve("logs") + "\n");
        assertEquals(0, run("-t", "-e", "output { stdout { } }", "--path.settings", dir.toString()));
        assertTrue(out().contains("settings: " + dir.resolve("logstash.yml")), out());
        // pipeline.ordered: true processes in order, which takes one worker, as in Logstash.
        assertTrue(out().contains("pipeline main: 1 worker(s), batch size 125, shutdown timeout 12.0 s"), out());

        Files.writeString(dir.resolve("logstash.yml"), "pipeline.ordered: true\npipeline.workers: 4\n");
        ConfigException ordered = assertThrows(ConfigException.class,
                () -> run("-t", "-e", "output { stdout { } }", "--path.settings", dir.toString()));
        assertEquals(dir.resolve("logstash.yml") + ":2:19: pipeline.ordered: true needs pipeline.workers: 1"
                + " (ordered processing takes one worker), not 4", ordered.getMessage());

        // indexer.yml, when there is one, is the file read.
        Files.writeString(dir.resolve("indexer.yml"), "pipeline.workers: 3\n");
        out.reset();
        assertEquals(0, run("-t", "-e", "output { stdout { } }", "--path.settings", dir.toString()));
        assertTrue(out().contains("pipeline main: 3 worker(s)"), out());
    }

    @Test
    void pruneConfigIsCheckedWithThePipelines() throws Exception {
        Path retention = io.logpipe.indexer.config.ConfigParserTest.findRepoFile("conf/retention.yml");
        assertEquals(0, run("-t", "-e", "output { stdout { } }", "--prune.config", retention.toString()));
        assertThrows(ConfigException.class,
                () -> run("-t", "-e", "output { stdout { } }", "--prune.config", dir.resolve("missing.yml").toString()));
    }

    @Test
    void unknownOptionsAreUsageErrors() {
        assertThrows(Indexer.UsageException.class, () -> run("--frobnicate"));
        assertThrows(Indexer.UsageException.class, () -> run("-f"));
        assertThrows(Indexer.UsageException.class, () -> run());
    }
}
