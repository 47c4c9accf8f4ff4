package io.logpipe.indexer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Location;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class ConfigParserTest {

    @Test
    void parsesTheShippedKafkaToElasticsearchPipeline() throws Exception {
        PipelineConfig config = ConfigSource.fromPath(findRepoFile("pipelines/kafka_to_es.conf").toString());
        PluginDefinition kafka = (PluginDefinition) config.inputs().get(0);
        assertEquals("kafka", kafka.name());
        assertEquals(List.of("nginx.access"), setting(kafka, "topics"));
        assertEquals("earliest", setting(kafka, "auto_offset_reset"));
        assertEquals(new BareWord("json"), setting(kafka, "codec"));
        PluginDefinition es = (PluginDefinition) config.outputs().get(0);
        assertEquals("nginx.access-%{+YYYY.MM.dd}", setting(es, "index"));
        // The default pipeline does not echo events (its log would grow without bound); stdout is a comment there.
        assertEquals(1, config.outputs().size(), "outputs: " + config.outputs());
    }

    @Test
    void valuesOfEveryKind() {
        PipelineConfig config = ConfigParser.parse("t.conf", """
                filter {
                  mutate {
                    add_field => { "a" => "x\\"y" b => 'it\\'s' 3 => 4 }   # a comment after a value
                    n => 42  f => -1.5  yes => true  word => bare_word
                    list => [ "one", 2, [3], { k => v } ]
                    "quoted name" => "tab\\there\\\\ and \\[kept\\]"
                    codec => json { charset => "UTF-8" }
                  }
                }
                """);
        PluginDefinition mutate = (PluginDefinition) config.filters().get(0);
        assertEquals(Map.of("a", "x\"y", "b", "it's", "3", 4L), setting(mutate, "add_field"));
        assertEquals(42L, setting(mutate, "n"));
        assertEquals(-1.5, setting(mutate, "f"));
        assertEquals(true, setting(mutate, "yes"));
        assertEquals(new BareWord("bare_word"), setting(mutate, "word"));
        assertEquals(List.of("one", 2L, List.of(3L), Map.of("k", new BareWord("v"))), setting(mutate, "list"));
        assertEquals("tab\there\\ and \\[kept\\]", setting(mutate, "quoted name"));
        PluginDefinition codec = assertInstanceOf(PluginDefinition.class, setting(mutate, "codec"));
        assertEquals("json", codec.name());
        assertEquals("UTF-8", setting(codec, "charset"));
        assertEquals(new Location("t.conf", 3, 5), mutate.settings().get(0).location());
    }

    @Test
    void conditionalsWithEveryOperator() {
        PipelineConfig config = ConfigParser.parse("c.conf", """
                filter {
                  if [a][b] == "x" and ([n] > 1 or [n] <= -2) { drop {} }   # comment
                  else if [msg] =~ /err\\/or/ xor "e" in [tags] { drop {} }
                  else if !([x] not in ["a", "b"]) nand [y] !~ /z/ { drop {} }
                  else if ![flag] { drop {} }
                  else { mutate { } }
                }
                """);
        Conditional conditional = (Conditional) config.filters().get(0);
        assertEquals(4, conditional.branches().size());
        assertEquals(1, conditional.otherwise().size());
        Expression.Bool first = assertInstanceOf(Expression.Bool.class, conditional.branches().get(0).condition());
        assertEquals(Expression.BooleanOperator.AND, first.operator());
        Expression.Compare eq = assertInstanceOf(Expression.Compare.class, first.left());
        assertEquals("[a][b]", ((Expression.Field) eq.left()).reference().toString());
        assertInstanceOf(Expression.Bool.class, first.right());
        Expression.Bool second = (Expression.Bool) conditional.branches().get(1).condition();
        assertEquals(Expression.BooleanOperator.XOR, second.operator());
        assertEquals("err/or", ((Expression.Match) second.left()).pattern().pattern());
        Expression.Bool third = (Expression.Bool) conditional.branches().get(2).condition();
        assertEquals(Expression.BooleanOperator.NAND, third.operator());
        Expression.In notIn = (Expression.In) ((Expression.Not) third.left()).operand();
        assertTrue(notIn.negated());
        assertInstanceOf(Expression.Not.class, conditional.branches().get(3).condition());
    }

    @Test
    void environmentVariablesWithDefaults() {
        System.setProperty("LOGPIPE_TEST_BROKERS", "10.0.0.1:9092");
        try {
            PluginDefinition kafka = (PluginDefinition) ConfigParser.parse("v.conf", "input { kafka {"
                    + " bootstrap_servers => \"${LOGPIPE_TEST_BROKERS}\" group_id => \"${LOGPIPE_TEST_UNSET:logstash}-x\" } }")
                    .inputs().get(0);
            assertEquals("10.0.0.1:9092", setting(kafka, "bootstrap_servers"));
            assertEquals("logstash-x", setting(kafka, "group_id"));
        } finally {
            System.clearProperty("LOGPIPE_TEST_BROKERS");
        }
        ConfigException unset = assertThrows(ConfigException.class,
                () -> ConfigParser.parse("v.conf", "output { stdout { codec => \"${LOGPIPE_TEST_UNSET}\" } }"));
        assertTrue(unset.getMessage().startsWith("v.conf:1:28: variable ${LOGPIPE_TEST_UNSET} is not set"), unset.getMessage());
    }

    @Test
    void andBindsTighterThanOr() {
        PipelineConfig config = ConfigParser.parse("p.conf", "filter { if [a] or [b] and [c] { drop {} } }");
        Expression.Bool or = (Expression.Bool) ((Conditional) config.filters().get(0)).branches().get(0).condition();
        assertEquals(Expression.BooleanOperator.OR, or.operator());
        assertEquals(Expression.BooleanOperator.AND, ((Expression.Bool) or.right()).operator());
    }

    @Test
    void errorsNameFileLineColumnAndWhatWasExpected() {
        assertError("input {\n  kafka {\n    topics = \"x\"\n  }\n}", "e.conf:3:12: expected '=>' but found '='");
        assertError("inptu { }", "e.conf:1:1: expected one of 'input', 'filter', 'output' but found 'inptu'");
        assertError("filter {\n  mutate { a => \"open }\n}", "e.conf:2:17: unterminated string");
        assertError("filter { if [a] == { drop {} } }", "e.conf:1:20: expected a field reference");
        assertError("filter { mutate { a => [1 2] } }", "e.conf:1:27: expected ',' or ']' in array but found '2]'");
        assertError("output { stdout { }", "e.conf:1:20: expected '}' to close the output section");
        assertError("filter { if [a] =~ /(/ { } }", "e.conf:1:20: invalid regexp");
        assertError("filter { else { } }", "e.conf:1:10: 'else' without a preceding 'if'");
    }

    @Test
    void directoryAndGlobConcatenateFilesInNameOrder(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("20-out.conf"), "output { stdout {} }");
        Files.writeString(dir.resolve("10-in.conf"), "input { kafka { topics => 'a' } }\nfilter { drop {} }");
        Files.writeString(dir.resolve("notes.txt"), "not a pipeline {");
        PipelineConfig glob = ConfigSource.fromPath(dir + "/*.conf");
        assertEquals(1, glob.inputs().size());
        assertEquals(1, glob.filters().size());
        assertEquals(1, glob.outputs().size());
        ConfigException error = assertThrows(ConfigException.class, () -> ConfigSource.fromPath(dir.toString()));
        assertTrue(error.getMessage().startsWith(dir.resolve("notes.txt") + ":1:1:"), error.getMessage());
        assertThrows(ConfigException.class, () -> ConfigSource.fromPath(dir + "/*.nothing"));
    }

    @Test
    void aGlobThroughALinkedDirectoryFindsItsFiles(@TempDir Path dir) throws Exception {
        Path real = Files.createDirectories(dir.resolve("etc/pipelines"));
        Files.writeString(real.resolve("a.conf"), "input { kafka { topics => 'a' } }\noutput { stdout {} }");
        Path link = Files.createSymbolicLink(dir.resolve("pipelines"), real);
        PipelineConfig config = ConfigSource.fromPath(link + "/*.conf");
        assertEquals(1, config.inputs().size());
        assertEquals(1, config.outputs().size());
    }

    private static void assertError(String text, String expectedPrefix) {
        ConfigException error = assertThrows(ConfigException.class, () -> ConfigParser.parse("e.conf", text));
        assertTrue(error.getMessage().startsWith(expectedPrefix), () -> "message was: " + error.getMessage());
    }

    static Object setting(PluginDefinition plugin, String name) {
        return plugin.settings().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow().value();
    }

    public static Path findRepoFile(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve(relative))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(relative + " not found above the working directory");
        }
        return dir.resolve(relative);
    }
}
