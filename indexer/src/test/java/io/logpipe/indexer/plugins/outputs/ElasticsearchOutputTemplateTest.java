package io.logpipe.indexer.plugins.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.config.ConfigException;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.EventJson;
import io.logpipe.indexer.plugins.codecs.JsonCodec;
import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** manage_template, template, template_name and template_overwrite against a real node. */
class ElasticsearchOutputTemplateTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static ElasticsearchNode node;

    @TempDir
    Path data;

    @BeforeAll
    static void startNode() {
        node = ElasticsearchNode.shared();
    }

    /** A line as the shipper sends it: @metadata with the event's own id, a status as a string, fields at the root. */
    private static final String SHIPPED = "{\"@timestamp\":\"2024-07-01T10:00:00.000Z\",\"@metadata\":{\"beat\":"
            + "\"filebeat\",\"type\":\"_doc\",\"version\":\"7.17.0\",\"_id\":\"%s\"},\"log\":{\"offset\":1200,"
            + "\"file\":{\"path\":\"/var/log/nginx/access.log\"},\"flags\":[\"multiline\"]},\"message\":"
            + "\"GET /caf\u00e9 \\\"x\\\" 200\",\"status\":\"200\",\"code\":7,\"input\":{\"type\":\"log\"},"
            + "\"host\":{\"name\":\"web1\"},\"agent\":{\"type\":\"filebeat\",\"version\":\"7.17.0\"}}";

    private static Event shipped(String id) {
        List<Event> events = new ArrayList<>();
        new JsonCodec().decode(String.format(SHIPPED, id).getBytes(StandardCharsets.UTF_8), events::add);
        return events.get(0);
    }

    private ElasticsearchOutput output(String settings) {
        return ElasticsearchOutputs.create("hosts => [\"" + node.url() + "\"] " + settings, data);
    }

    /** GET path as a map, or null on 404. */
    private static Map<?, ?> get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 404) {
            return null;
        }
        assertEquals(200, response.statusCode(), response.body());
        return (Map<?, ?>) EventJson.parseAny(response.body());
    }

    private static void put(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + path))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
    }

    /** The index template named {@code name} (its "index_template" part), or null. */
    private static Map<?, ?> template(String name) throws IOException, InterruptedException {
        Map<?, ?> answer = get("/_index_template/" + name);
        return answer == null ? null
                : (Map<?, ?>) ((Map<?, ?>) ((List<?>) answer.get("index_templates")).get(0)).get("index_template");
    }

    /** The mapping of {@code field} (a dotted path) in {@code index}. */
    private static Map<?, ?> mapping(String index, String field) throws IOException, InterruptedException {
        Map<?, ?> answer = get("/" + index + "/_mapping/field/" + field);
        Map<?, ?> fields = (Map<?, ?>) ((Map<?, ?>) answer.get(index)).get("mappings");
        Map<?, ?> one = (Map<?, ?>) fields.get(field);
        assertTrue(one != null, "no mapping for " + field + " in " + index + ": " + answer);
        return (Map<?, ?>) one.get("mapping");
    }

    private static Object setting(String index, String name) throws IOException, InterruptedException {
        Map<?, ?> answer = get("/" + index + "/_settings/" + name + "?flat_settings=true");
        return ((Map<?, ?>) ((Map<?, ?>) answer.get(index)).get("settings")).get(name);
    }

    @Test
    void theDefaultTemplateIsInstalledAtStartAndMapsStringsAsKeywordsAndTheMessageAsText() throws Exception {
        try (ElasticsearchOutput output = output("index => \"tpla-%{+YYYY.MM.dd}\"")) {
            output.start();
            Wait.until("template tpla", Duration.ofSeconds(60), () -> template("tpla") != null);
            Map<?, ?> template = template("tpla");
            assertEquals(List.of("tpla-*"), template.get("index_patterns"), "named and matched by the index's prefix");
            assertEquals(IndexTemplate.DEFAULT_PRIORITY, ((Number) template.get("priority")).intValue());

            output.write(List.of(shipped("line-1")));
            String index = "tpla-2024.07.01";
            assertEquals(Map.of("type", "text", "norms", false), ((Map<?, ?>) mapping(index, "message")).get("message"));
            for (String keyword : List.of("host.name", "status", "log.file.path", "log.flags", "@version", "agent.type")) {
                Map<?, ?> m = (Map<?, ?>) mapping(index, keyword).get(keyword.substring(keyword.lastIndexOf('.') + 1));
                assertEquals("keyword", m.get("type"), keyword);
                assertNull(m.get("fields"), keyword + ": no text+keyword doubling");
            }
            assertEquals("long", ((Map<?, ?>) mapping(index, "log.offset").get("offset")).get("type"));
            assertEquals("date", ((Map<?, ?>) mapping(index, "@timestamp").get("@timestamp")).get("type"));
            assertEquals("0", setting(index, "index.number_of_replicas"), "no replica a one-node cluster cannot place");
            assertEquals("0-1", setting(index, "index.auto_expand_replicas"));
            Map<?, ?> refresh = (Map<?, ?>) get("/" + index + "/_settings/index.refresh_interval?flat_settings=true"
                    + "&include_defaults=true").get(index);
            assertEquals(Map.of(), refresh.get("settings"), "the template sets no refresh interval");
            assertEquals(Map.of("index.refresh_interval", "1s"), refresh.get("defaults"),
                    "Elasticsearch's default 1 s refresh: searchable about a second after it was written");
            assertEquals("green", ((Map<?, ?>) get("/_cluster/health/" + index)).get("status"));

            // the document went through the write-through path and is the one the full parse gives
            Map<?, ?> source = (Map<?, ?>) get("/" + index + "/_doc/line-1").get("_source");
            Event full = shipped("line-1");
            full.fields(); // decoded in full: written from its fields
            byte[] fromFields = EventJson.toJsonBytes(full);
            assertEquals(EventJson.parse(fromFields, 0, fromFields.length), source);
            assertFalse(source.containsKey("@metadata"));
        }
    }

    @Test
    void manageTemplateFalseInstallsNothing() throws Exception {
        try (ElasticsearchOutput output = output("index => \"tplb-%{+YYYY.MM.dd}\" manage_template => false")) {
            output.start();
            output.write(List.of(shipped("line-1")));
            assertNull(template("tplb"));
            // Elasticsearch's own dynamic mapping: text with a keyword subfield
            Map<?, ?> host = (Map<?, ?>) mapping("tplb-2024.07.01", "host.name").get("name");
            assertEquals("text", host.get("type"));
            assertTrue(host.get("fields") != null);
        }
    }

    @Test
    void aUsersTemplateFileIsInstalledUnderTemplateNameAndAnExistingTemplateIsLeftUnlessOverwriteIsAsked()
            throws Exception {
        Path file = data.resolve("template.json");
        Files.writeString(file, "{\"index_patterns\":[\"tplc-*\"],\"priority\":210,\"template\":{\"settings\":"
                + "{\"number_of_shards\":1,\"number_of_replicas\":0},\"mappings\":{\"properties\":{\"code\":"
                + "{\"type\":\"keyword\"},\"status\":{\"type\":\"integer\"}}}}}");
        put("/_index_template/mine", "{\"index_patterns\":[\"tplc-other-*\"],\"priority\":5}");
        try (ElasticsearchOutput output = output("index => \"tplc-%{+YYYY.MM.dd}\" template => \"" + file
                + "\" template_name => \"mine\"")) {
            output.write(List.of(shipped("line-1")));
            assertEquals(5, ((Number) template("mine").get("priority")).intValue(), "template_overwrite is false");
        }
        try (ElasticsearchOutput output = output("index => \"tplc-%{+YYYY.MM.dd}\" template => \"" + file
                + "\" template_name => \"mine\" template_overwrite => true")) {
            output.write(List.of(shipped("line-2")));
            Map<?, ?> template = template("mine");
            assertEquals(210, ((Number) template.get("priority")).intValue());
            assertEquals(List.of("tplc-*"), template.get("index_patterns"));
        }
        // tplc-2024.07.01 was created under the old template; a new day's index gets the user's mappings
        try (ElasticsearchOutput output = output("index => \"tplc-x-%{+YYYY.MM.dd}\" template => \"" + file
                + "\" template_name => \"mine\"")) {
            output.write(List.of(shipped("line-3")));
            assertEquals("integer", ((Map<?, ?>) mapping("tplc-x-2024.07.01", "status").get("status")).get("type"));
            assertEquals("keyword", ((Map<?, ?>) mapping("tplc-x-2024.07.01", "code").get("code")).get("type"));
        }
    }

    @Test
    void aLegacyTemplateFileIsInstalledAsAComposableOne() throws Exception {
        Path file = data.resolve("legacy.json");
        Files.writeString(file, "{\"template\":\"tpld-*\",\"order\":1,\"settings\":{\"number_of_shards\":1},"
                + "\"mappings\":{\"properties\":{\"status\":{\"type\":\"short\"}}}}");
        try (ElasticsearchOutput output = output("index => \"tpld-%{+YYYY.MM.dd}\" template => \"" + file + "\"")) {
            output.write(List.of(shipped("line-1")));
            assertEquals(List.of("tpld-*"), template("tpld").get("index_patterns"));
            assertEquals("short", ((Map<?, ?>) mapping("tpld-2024.07.01", "status").get("status")).get("type"));
        }
    }

    @Test
    void aTemplateFileThatIsNotATemplateFailsAtStartNamingTheSetting() throws IOException {
        Path file = data.resolve("broken.json");
        Files.writeString(file, "{\"index_patterns\": [\"x-*\"],");
        ConfigException e = assertThrows(ConfigException.class,
                () -> output("index => \"tple-%{+YYYY.MM.dd}\" template => \"" + file + "\""));
        assertTrue(e.getMessage().contains("template") && e.getMessage().contains("broken.json"), e.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> output("template => \"" + data.resolve("none.json") + "\""));
        assertTrue(missing.getMessage().contains("none.json"), missing.getMessage());
    }

    @Test
    void patternsAndNamesComeFromTheIndexSetting() {
        assertEquals("logstash-*", IndexTemplate.patternOf("logstash-%{+yyyy.MM.dd}"));
        assertEquals("logstash", IndexTemplate.nameOf("logstash-*"));
        assertEquals("nginx.access-*-*", IndexTemplate.patternOf("nginx.access-%{[fields][env]}-%{+yyyy.MM.dd}"));
        assertEquals("nginx.access", IndexTemplate.nameOf("nginx.access-*-*"));
        assertEquals("logs", IndexTemplate.patternOf("logs"));
        assertNull(IndexTemplate.patternOf("%{[@metadata][beat]}-%{+yyyy.MM.dd}"), "would match others' indices");
    }
}
