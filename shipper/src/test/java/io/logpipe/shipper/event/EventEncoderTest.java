package io.logpipe.shipper.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logpipe.shipper.registry.FileIdentity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON of an event, as Filebeat 7 ships it. */
class EventEncoderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AgentInfo agent = new AgentInfo("web-1", "web-1.example", "id-1", "eph-1", "7.17.0");
    private final EventEncoder encoder = new EventEncoder(agent);
    private static final Event.Acknowledgeable NOBODY = offset -> { };

    private Event event(String message, InputFields input, int flags) {
        return new Event(1_700_000_000_123L, message, "/var/log/app.log", 42, 100, flags, input, null, null, true,
                NOBODY);
    }

    private static InputFields plain() {
        return new InputFields("log", Map.of("log_topic", "app", "n", 7L), Map.of(), List.of("web", "prod"), null);
    }

    @Test
    void aPlainEventHasEveryFilebeatField() throws Exception {
        JsonNode e = JSON.readTree(encoder.encode(event("hello", plain(), Event.FLAG_MULTILINE)));
        assertEquals("2023-11-14T22:13:20.123Z", e.path("@timestamp").asText());
        assertEquals("filebeat", e.path("@metadata").path("beat").asText());
        assertEquals("_doc", e.path("@metadata").path("type").asText());
        assertEquals(42, e.path("log").path("offset").asLong());
        assertEquals("/var/log/app.log", e.path("log").path("file").path("path").asText());
        assertEquals("multiline", e.path("log").path("flags").get(0).asText());
        assertEquals("hello", e.path("message").asText());
        assertEquals("log", e.path("input").path("type").asText());
        assertEquals("app", e.path("fields").path("log_topic").asText());
        assertEquals(7, e.path("fields").path("n").asLong());
        assertEquals("web", e.path("tags").get(0).asText());
        assertEquals("1.12.0", e.path("ecs").path("version").asText());
        assertEquals("web-1", e.path("host").path("name").asText());
        assertEquals("filebeat", e.path("agent").path("type").asText());
        assertEquals("web-1.example", e.path("agent").path("hostname").asText());
        assertEquals("id-1", e.path("agent").path("id").asText());
        assertEquals("eph-1", e.path("agent").path("ephemeral_id").asText());
    }

    @Test
    void theFastPathWritesExactlyWhatTheGeneralPathWrites() throws Exception {
        String[] messages = {"", "plain", "quote \" backslash \\ slash /", "tab\tnew\nline\rcr \u0001\u001f",
                "ünïcödé € 日本語 😀", "lone \uD800 surrogate", "x".repeat(5000)};
        for (String m : messages) {
            for (int flags = 0; flags < 4; flags++) {
                Event e = event(m, plain(), flags);
                ObjectNode fast =
                        (ObjectNode) JSON.readTree(encoder.encode(e));
                assertEquals("filebeat", fast.remove("@metadata").path("beat").asText());
                JsonNode general = JSON.valueToTree(encoder.toMap(e));
                assertEquals(general.toString().replace("\uD800", "\uFFFD"), fast.toString(), m);
            }
        }
    }

    @Test
    void fieldsUnderRootAndJsonKeysUnderRoot() throws Exception {
        InputFields.JsonDecoding decoding = new InputFields.JsonDecoding(true, false, true, null, false, false);
        InputFields input = new InputFields("log", Map.of(), Map.of("service", "api"), List.of(), decoding);
        @SuppressWarnings("unchecked")
        Map<String, Object> decoded = (Map<String, Object>) JsonFields.decode("{\"level\":\"info\",\"input\":1}");
        Event ok = new Event(0, "{...}", "/a", 0, 10, 0, input, decoded, null, true, NOBODY);
        JsonNode e = JSON.readTree(encoder.encode(ok));
        assertEquals("api", e.path("service").asText());
        assertEquals("info", e.path("level").asText());
        assertEquals("log", e.path("input").path("type").asText(), "without overwrite_keys, own fields win");
        assertFalse(e.has("fields"));
        assertNull(e.get("message"), "a decoded line has no message field");

        Object failure = JsonFields.decode("not json");
        Event bad = new Event(0, "not json", "/a", 0, 10, 0, input, null, ((JsonFields.Failure) failure).message(),
                true, NOBODY);
        JsonNode b = JSON.readTree(encoder.encode(bad));
        assertEquals("not json", b.path("message").asText(), "an undecodable line is kept");
        assertEquals("json", b.path("error").path("type").asText());
    }

    @Test
    void formatStringsReadFieldsMetadataAndDates() {
        Event e = event("m", plain(), 0);
        assertEquals("app", FormatString.parse("%{[fields.log_topic]}").evaluate(e, encoder));
        assertEquals("app", FormatString.parse("%{[fields][log_topic]}").evaluate(e, encoder));
        assertEquals("logs-web-1", FormatString.parse("logs-%{[host.name]}").evaluate(e, encoder));
        assertEquals("d", FormatString.parse("%{[fields.missing]:d}").evaluate(e, encoder));
        assertNull(FormatString.parse("%{[fields.missing]}").evaluate(e, encoder));
        assertEquals("app-2023.11.14", FormatString.parse("app-%{+yyyy.MM.dd}").evaluate(e, encoder));
    }

    @Test
    void aDateInAFormatStringIsTheCalendarYearAtNewYearNotTheWeekBasedOne() {
        long lastDays = Instant.parse("2024-12-30T10:00:00Z").toEpochMilli(); // ISO week 1 of 2025
        Event e = new Event(lastDays, "m", "/var/log/app.log", 0, 1, 0, plain(), null, null, true, NOBODY);
        assertEquals("logs-2024.12.30", FormatString.parse("logs-%{+YYYY.MM.dd}").evaluate(e, encoder));
        assertEquals("logs-2024.12.30", FormatString.parse("logs-%{+yyyy.MM.dd}").evaluate(e, encoder));
    }

    @Test
    void theEventIdGoesInMetadataWhereBeatsPutOne_stableForTheSameFileAndOffset() throws Exception {
        FileIdentity file = new FileIdentity(8, 1234, 1024, 99);
        Event e = new Event(0, "hello", "/a", 4096, 4102, 0, plain(), null, null, true, NOBODY, file);
        String id = JSON.readTree(encoder.encode(e)).path("@metadata").path("_id").asText();
        assertEquals(EventId.KEY_CHARS + Long.toString(4096, 36).length(), id.length(), id);

        Event later = new Event(1, "hello again", "/renamed", 4096, 4200, 0, plain(), null, null, true, NOBODY, file);
        assertEquals(id, new EventEncoder(agent).id(later), "a restart, a rename: the same bytes, the same id");
        FileIdentity other = new FileIdentity(8, 1234, 1024, 98);
        Event rewritten = new Event(0, "hello", "/a", 4096, 4102, 0, plain(), null, null, true, NOBODY, other);
        assertNotEquals(id, encoder.id(rewritten), "other first bytes, other id");
        Event otherHost = new Event(0, "hello", "/a", 4096, 4102, 0, plain(), null, null, true, NOBODY, file);
        assertNotEquals(id,
                new EventEncoder(new AgentInfo("web-2", "web-2", "id-1", "e", "7.17.0")).id(otherHost));

        InputFields.JsonDecoding decoding = new InputFields.JsonDecoding(true, false, true, null, false, false);
        InputFields json = new InputFields("log", Map.of(), Map.of(), List.of(), decoding);
        Event decoded = new Event(0, "{}", "/a", 4096, 4102, 0, json, Map.of("k", "v"), null, true, NOBODY, file);
        assertEquals(id, JSON.readTree(encoder.encode(decoded)).path("@metadata").path("_id").asText(),
                "the general path writes it too");
    }

    /**
     * Format strings look fields up without building the event's map; every path of the map (and paths beside it)
     * gives what the map holds, for plain events, root fields that collide with the event's own, and decoded JSON.
     */
    @Test
    void fieldsFoundWithoutTheMapAreExactlyTheMapsFields() {
        Map<String, Object> collide = new LinkedHashMap<>();
        collide.put("message", "root message");
        collide.put("agent", "root agent");
        collide.put("log", Map.of("level", "warn"));
        collide.put("tags", "root tags");
        collide.put("json", "root json");
        collide.put("nothing", null);
        Map<String, Object> decoded = new LinkedHashMap<>();
        decoded.put("@timestamp", 5);
        decoded.put("message", "decoded message");
        decoded.put("level", "error");
        decoded.put("host", Map.of("name", "decoded host"));
        decoded.put("log", Map.of("level", "debug"));
        decoded.put("nothing", "decoded nothing");
        decoded.put("a.b", "dotted");
        List<InputFields> inputs = new ArrayList<>();
        inputs.add(plain());
        inputs.add(new InputFields("log", Map.of(), collide, List.of(), null));
        inputs.add(new InputFields("log", Map.of("k", Map.of("deep", "v")), collide, List.of("t"), null));
        for (boolean underRoot : new boolean[] {false, true}) {
            for (boolean overwrite : new boolean[] {false, true}) {
                for (boolean expand : new boolean[] {false, true}) {
                    InputFields.JsonDecoding d = new InputFields.JsonDecoding(underRoot, overwrite, true, null, false,
                            expand);
                    inputs.add(new InputFields("log", Map.of("log_topic", "app"), collide, List.of("t"), d));
                    inputs.add(new InputFields("log", Map.of(), Map.of(), List.of(), d));
                }
            }
        }
        int compared = 0;
        for (InputFields in : inputs) {
            List<Event> events = new ArrayList<>();
            events.add(event("hello", in, Event.FLAG_MULTILINE));
            events.add(event("hello", in, 0));
            if (in.json() != null) {
                events.add(new Event(0, "{...}", "/a", 0, 10, 0, in, decoded, null, true, NOBODY));
                events.add(new Event(0, "not json", "/a", 0, 10, 0, in, null, "Error decoding JSON: x", true, NOBODY));
            }
            for (Event e : events) {
                Map<String, Object> map = encoder.toMap(e);
                List<String[]> paths = new ArrayList<>();
                collectPaths(map, new String[0], paths);
                for (String[] p : paths) {
                    Object expected = lookup(map, p);
                    Object actual = encoder.field(e, p);
                    String where = String.join(".", p) + " in " + map;
                    if (expected instanceof Map<?, ?> m && !(actual instanceof Map<?, ?> a && (a.isEmpty()
                            ? actual == EventEncoder.OBJECT : a.equals(m)))) {
                        assertEquals(expected, actual, where);
                    } else if (!(expected instanceof Map)) {
                        assertEquals(expected, actual, where);
                    }
                    compared++;
                }
            }
        }
        assertEquals(true, compared > 1000, compared + " paths compared");
    }

    /** Every path in the map, each with a missing sibling and a missing child. */
    @SuppressWarnings("unchecked")
    private static void collectPaths(Object value, String[] prefix, List<String[]> out) {
        String[] missing = Arrays.copyOf(prefix, prefix.length + 1);
        missing[prefix.length] = "missing";
        out.add(missing);
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
                String[] p = Arrays.copyOf(prefix, prefix.length + 1);
                p[prefix.length] = e.getKey();
                out.add(p);
                collectPaths(e.getValue(), p, out);
            }
        }
        for (String extra : List.of("@timestamp", "message", "error", "json", "nothing", "level", "a", "fields",
                "tags", "agent", "host", "ecs", "input", "log")) {
            if (prefix.length == 0) {
                out.add(new String[] {extra});
                out.add(new String[] {extra, "name"});
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Object lookup(Map<String, Object> map, String[] path) {
        Object current = map;
        for (String step : path) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = ((Map<String, Object>) m).get(step);
        }
        return current;
    }
}
