package io.logpipe.indexer.event;

import io.logpipe.common.time.Timestamps;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The streaming reader and writer give what Jackson's ObjectMapper gives for the same JSON and the same maps. */
class EventJsonTest {
    private static final String DOCUMENT = """
            {"@timestamp":"2024-07-01T00:00:01.250Z","message":"GET /caf\\u00e9 \\"quoted\\" \\ud83d\\ude00",
             "status":200,"negative":-7,"ratio":0.005,"exp":1.5e300,
             "ok":true,"no":false,"nothing":null,"tags":["a",["nested",1]],"host":{"name":"web1","ip":[]},
             "empty":{}}""";

    @Test
    void parsesLikeTheMapper() throws IOException {
        byte[] bytes = DOCUMENT.getBytes(StandardCharsets.UTF_8);
        Object expected = EventJson.MAPPER.readValue(bytes, Object.class);
        Object actual = EventJson.parse(bytes, 0, bytes.length);
        assertEquals(expected, actual);
        assertEquals(Long.class, ((Map<?, ?>) actual).get("status").getClass());
        assertEquals(LinkedHashMap.class, actual.getClass());
        assertEquals(ArrayList.class, ((Map<?, ?>) actual).get("tags").getClass());
        assertEquals(List.of(1L, "x"), EventJson.parse("[1,\"x\"]".getBytes(StandardCharsets.UTF_8), 0, 7));
    }

    @Test
    void keepsIntegersBeyondLongAsBigIntegers() throws IOException {
        // The mapper (with USE_LONG_FOR_INTS) refuses these outright; Logstash keeps them as numbers.
        byte[] bytes = "{\"big\":123456789012345678901234567890}".getBytes(StandardCharsets.UTF_8);
        assertEquals(Map.of("big", new BigInteger("123456789012345678901234567890")),
                EventJson.parse(bytes, 0, bytes.length));
    }

    @Test
    void refusesWhatIsNotJson() {
        for (String text : new String[] {"", "{\"a\":", "{\"a\" 1}", "[1,2", "not json", "{\"a\":1]"}) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            assertThrows(IOException.class, () -> EventJson.parse(bytes, 0, bytes.length), text);
        }
    }

    @Test
    void writesEventsLikeTheMapper() throws IOException {
        byte[] bytes = DOCUMENT.getBytes(StandardCharsets.UTF_8);
        @SuppressWarnings("unchecked")
        Event event = new Event((Map<String, Object>) EventJson.parse(bytes, 0, bytes.length));
        event.set("[decimal]", new BigDecimal("1.10"));
        event.set("[int]", 3);
        assertArrayEquals(EventJson.MAPPER.writeValueAsBytes(event.fields()), EventJson.toJsonBytes(event));
        String json = new String(EventJson.toJsonBytes(event), StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"message\":"), json);
        assertTrue(json.endsWith(",\"@version\":\"1\",\"decimal\":1.10,\"int\":3}"), json);
    }

    private static Event decoded(String json) {
        List<Event> events = new ArrayList<>();
        new io.logpipe.indexer.plugins.codecs.JsonCodec().decode(json.getBytes(StandardCharsets.UTF_8), events::add);
        assertEquals(1, events.size());
        return events.get(0);
    }

    /** What the fields serialize to when the source JSON is not used. */
    private static String written(Event event) throws IOException {
        return EventJson.MAPPER.writeValueAsString(event.fields());
    }

    /** The output is the fields, not the source bytes (taken before {@link #written}, which drops the source). */
    private static void assertWrittenFromFields(Event event, String what) throws IOException {
        String actual = new String(EventJson.toJsonBytes(event), StandardCharsets.UTF_8);
        assertEquals(written(event), actual, what);
    }

    @Test
    void anUnchangedEventIsWrittenAsTheBytesThatCameIn() throws IOException {
        String source = "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"message\":\"caf\\u00e9 \\\"q\\\"\","
                + "\"status\":200, \"host\":{\"name\":\"web1\"}}";
        Event event = decoded(source);
        assertEquals("web1", event.get("[host][name]"), "reading a value keeps the source");
        assertEquals(false, event.hasTag("x"), "looking for a tag keeps the source");
        String out = new String(EventJson.toJsonBytes(event), StandardCharsets.UTF_8);
        assertEquals(source.substring(0, source.length() - 1) + ",\"@version\":\"1\"}", out);
        // the same document as the fields would give, in the same order
        assertEquals(EventJson.MAPPER.readValue(written(event), Object.class), EventJson.MAPPER.readValue(out, Object.class));

        String withVersion = "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"@version\":\"1\",\"a\":1}";
        assertEquals(withVersion, new String(EventJson.toJsonBytes(decoded(withVersion)), StandardCharsets.UTF_8));
    }

    @Test
    @SuppressWarnings("unchecked")
    void anythingThatMayChangeTheFieldsFallsBackToWritingThem() throws IOException {
        String source = "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"host\":{\"name\":\"web1\"},\"tags\":[\"a\"]}";
        List<java.util.function.Consumer<Event>> changes = List.of(
                e -> e.set("[status]", 404L),
                e -> e.remove("[host][name]"),
                e -> e.tag("b"),
                e -> e.untag("a"),
                e -> ((Map<String, Object>) e.get("[host]")).put("ip", "10.0.0.1"),
                e -> ((List<Object>) e.get("[tags]")).add("c"),
                e -> e.fields().put("added", true),
                e -> e.setTimestamp(java.time.Instant.parse("2025-01-01T00:00:00Z")));
        for (java.util.function.Consumer<Event> change : changes) {
            Event event = decoded(source);
            change.accept(event);
            assertWrittenFromFields(event, "change " + changes.indexOf(change));
        }
        Event copy = decoded(source).copy();
        copy.tag("z");
        assertWrittenFromFields(copy, "a changed copy");
        Event metadataOnly = decoded(source);
        metadataOnly.set("[@metadata][index]", "x");
        assertTrue(new String(EventJson.toJsonBytes(metadataOnly), StandardCharsets.UTF_8).startsWith(source
                .substring(0, source.length() - 1)), "@metadata is never written, so setting it keeps the source");
    }

    @Test
    void aTimestampInAnotherFormIsWrittenInTheOutputsFormInPlace() throws IOException {
        String[][] cases = {
                {"{\"a\":1,\"@timestamp\":\"2024-07-01T00:00:01Z\",\"b\":2}",
                        "{\"a\":1,\"@timestamp\":\"2024-07-01T00:00:01.000Z\",\"b\":2,\"@version\":\"1\"}"},
                {"{\"@timestamp\":\"2024-07-01T02:00:01.25+02:00\",\"@version\":\"1\"} ",
                        "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"@version\":\"1\"}"}};
        for (String[] c : cases) {
            Event event = decoded(c[0]);
            String out = new String(EventJson.toJsonBytes(event), StandardCharsets.UTF_8);
            assertEquals(c[1], out, c[0]);
            assertEquals(written(event), out, "what the fields say");
        }    }

    @Test
    void aDocumentWithoutTimestampIsWrittenAsItCameWithTheTimeItWasReadAfterItsFields() throws IOException {
        for (String source : new String[] {"{\"a\":1,\"h\":{\"b\":[2]}}", "{\"a\":1,\"@version\":\"2\"}"}) {
            java.time.Instant before = java.time.Instant.now();
            Event event = decoded(source);
            String out = new String(EventJson.toJsonBytes(event), StandardCharsets.UTF_8);
            String prefix = source.substring(0, source.length() - 1) + ",\"@timestamp\":\"";
            assertTrue(out.startsWith(prefix), out);
            assertTrue(!event.timestamp().isBefore(before.truncatedTo(java.time.temporal.ChronoUnit.MILLIS)), out);
            assertEquals(prefix + Timestamps.format(event.timestamp()) + "\""
                    + (source.contains("@version") ? "}" : ",\"@version\":\"1\"}"), out);
            assertEquals(written(event), out, "what the fields say");
        }
    }

    @Test
    void documentsThatDoNotSayExactlyWhatTheFieldsSayAreWrittenFromTheFields() throws IOException {
        for (String source : new String[] {
                "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\n \"a\":1}",           // a line break: one line per bulk document
                "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"a\":1,\"a\":2}",     // a repeated key: the last wins
                "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"a\":1} {\"b\":2}",   // something after the object
                "{\"@timestamp\":\"2024-07-01T00:00:01\\u005a\",\"a\":1}",           // an escape in @timestamp
                "{\"@timestamp\":\"yesterday\",\"a\":1}",                             // tagged _timestampparsefailure
                "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"@metadata\":{\"m\":1},\"a\":1}",
                "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"h\":{\"a\":1,\"a\":2}}", // a repeated key deeper down
                "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"l\":[{\"a\":1,\"a\":2}]}",
                "{\"@timestamp\":null,\"a\":1}",
                "{}"}) {                                                                    // nothing to keep
            assertWrittenFromFields(decoded(source), source);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aLazilyDecodedEventHasTheFieldsOfAnEagerlyDecodedOne() throws IOException {
        for (String source : new String[] {DOCUMENT.replace("\n", ""),
                "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"@version\":{\"v\":[1,{\"x\":2}]},\"a\":1}",
                "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"tags\":\"one\",\"big\":123456789012345678901234567890}"}) {
            byte[] bytes = source.getBytes(StandardCharsets.UTF_8);
            Event lazy = Event.decodeLazily(bytes);
            assertTrue(lazy != null, source);
            Event eager = new Event((Map<String, Object>) EventJson.parse(bytes, 0, bytes.length));
            assertEquals(eager.timestamp(), lazy.timestamp());
            // the bytes as they came, which say what the eager event's fields say, in the same order
            assertArrayEquals(Arrays.copyOf(bytes, bytes.length - 1),
                    Arrays.copyOf(EventJson.toJsonBytes(lazy), bytes.length - 1), source);
            byte[] eagerBytes = EventJson.toJsonBytes(eager);
            byte[] lazyBytes = EventJson.toJsonBytes(lazy);
            assertEquals(EventJson.parse(eagerBytes, 0, eagerBytes.length), EventJson.parse(lazyBytes, 0, lazyBytes.length));
            assertEquals(eager.get("[tags]"), lazy.get("[tags]"));
            assertEquals(eager.copy().fields(), lazy.copy().fields());
            assertEquals(eager.fields(), lazy.fields());
        }
        byte[] bytes = "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"a\":1}".getBytes(StandardCharsets.UTF_8);
        Event tagged = Event.decodeLazily(bytes);
        tagged.tag("t"); // a change before the fields were ever read decodes them first
        assertEquals("{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"a\":1,\"@version\":\"1\",\"tags\":[\"t\"]}",
                new String(EventJson.toJsonBytes(tagged), StandardCharsets.UTF_8));
    }

    @Test
    void onlyObjectsThatCanBeWrittenAsTheyCameAreDecodedLazily() {
        for (String source : new String[] {"[{\"a\":1}]", "\"text\"", "{}", "{\"@timestamp\":1,\"a\":1}",
                "{\"@timestamp\":\"yesterday\"}", "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"a\":}",
                "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"a\":1,\"a\":1}",
                "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\"}\n", "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\"}x"}) {
            assertEquals(null, Event.decodeLazily(source.getBytes(StandardCharsets.UTF_8)), source);
        }
    }

    @Test
    void metadataIsReadAndCutOutOfTheBytesWrittenAsTheyCame() throws IOException {
        String[][] cases = {
            {"{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"@metadata\":{\"beat\":\"filebeat\",\"_id\":\"k1\"},\"a\":1}",
                "{\"@timestamp\":\"2024-07-01T00:00:01.250Z\",\"a\":1,\"@version\":\"1\"}"},
            {"{\"@metadata\":{\"_id\":\"k1\"} , \"a\":1}", null}, // first: the comma after it goes
            {"{\"a\":1 ,\"@metadata\":{\"_id\":\"k1\",\"n\":{\"x\":[1]}}}", null}, // last: the comma before it
            // a timestamp after it, in another form, is rewritten where it now lies
            {"{\"a\":1,\"@metadata\":{\"_id\":\"k1\"},\"@timestamp\":\"2024-07-01T00:00:01Z\",\"b\":2}",
                "{\"a\":1,\"@timestamp\":\"2024-07-01T00:00:01.000Z\",\"b\":2,\"@version\":\"1\"}"},
        };
        for (String[] c : cases) {
            byte[] bytes = c[0].getBytes(StandardCharsets.UTF_8);
            Event lazy = Event.decodeLazily(bytes);
            assertTrue(lazy != null, c[0]);
            assertEquals("k1", lazy.get("[@metadata][_id]"), c[0]);
            @SuppressWarnings("unchecked")
            Event eager = new Event((Map<String, Object>) EventJson.parse(bytes, 0, bytes.length));
            byte[] written = EventJson.toJsonBytes(lazy);
            if (c[1] != null) {
                assertEquals(c[1], new String(written, StandardCharsets.UTF_8));
            }
            if (!c[0].contains("@timestamp")) {
                eager.setTimestamp(lazy.timestamp()); // both "now", a few microseconds apart
            }
            Object lazyFields = EventJson.parse(written, 0, written.length);
            byte[] eagerBytes = EventJson.toJsonBytes(eager);
            assertEquals(EventJson.parse(eagerBytes, 0, eagerBytes.length), lazyFields, c[0]);
            assertEquals(eager.fields(), lazy.fields(), c[0]);
            assertEquals(eager.metadata(), lazy.metadata(), c[0]);
        }
        for (String notLazy : new String[] {"{\"@metadata\":{\"_id\":\"k1\"}}", "{\"@metadata\":\"text\",\"a\":1}"}) {
            assertEquals(null, Event.decodeLazily(notLazy.getBytes(StandardCharsets.UTF_8)), notLazy);
        }
    }

    /**
     * A document as the shipper's EventEncoder writes it (Jackson's compact form: UTF-8 as is, only quotes,
     * backslashes and control characters escaped): {@code @metadata} right after {@code @timestamp}, multiline and
     * truncated flags, custom fields at the root (fields_under_root), a message with every kind of escape.
     */
    private static Map<String, Object> shipped() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("@timestamp", "2024-07-01T00:00:01.250Z");
        doc.put("@metadata", new LinkedHashMap<>(Map.of("beat", "filebeat")));
        @SuppressWarnings("unchecked")
        Map<String, Object> metadata = (Map<String, Object>) doc.get("@metadata");
        metadata.put("type", "_doc");
        metadata.put("version", "7.17.0");
        metadata.put("_id", "h1-3a9f-1200");
        doc.put("log", new LinkedHashMap<>(Map.of("offset", 1200L, "file", Map.of("path", "/var/log/caf\u00e9/a b.log"),
                "flags", List.of("truncated", "multiline"))));
        doc.put("message", "java.lang.Exception: caf\u00e9 \"q\" \\ back\\slash \ud83d\ude00 \u65e5\u672c\n\tat x.y(Z.java:1)"
                + " \u0001 \"@metadata\":{\"_id\":\"fake\"}");
        doc.put("input", Map.of("type", "log"));
        doc.put("service", Map.of("name", "billing")); // fields_under_root
        doc.put("env", "prod");
        doc.put("tags", List.of("nginx", "\u00fcml"));
        doc.put("ecs", Map.of("version", "1.12.0"));
        doc.put("host", Map.of("name", "web1"));
        doc.put("agent", Map.of("type", "filebeat", "version", "7.17.0", "id", "a-1"));
        return doc;
    }

    /** {@code doc} with {@code @metadata} moved to {@code position} (0 first, -1 last) among its top-level fields. */
    private static Map<String, Object> withMetadataAt(Map<String, Object> doc, int position) {
        Map<String, Object> rest = new LinkedHashMap<>(doc);
        Object metadata = rest.remove("@metadata");
        Map<String, Object> out = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, Object> e : rest.entrySet()) {
            if (i++ == position) {
                out.put("@metadata", metadata);
            }
            out.put(e.getKey(), e.getValue());
        }
        if (!out.containsKey("@metadata")) {
            out.put("@metadata", metadata);
        }
        return out;
    }

    @Test
    @SuppressWarnings("unchecked")
    void shippedDocumentsGoThroughTheFastPathAndAreByteForByteWhatTheFullParseWrites() throws IOException {
        Map<String, Object> nested = shipped();
        ((Map<String, Object>) nested.get("@metadata")).put("kafka", Map.of("topic", "logs", "partition", List.of(1, 2),
                "deeper", Map.of("@metadata", Map.of("x", "\u00e9"))));
        Map<String, Object> innerMetadata = shipped();
        innerMetadata.put("nested", Map.of("@metadata", Map.of("kept", true))); // not top-level: a field like any
        List<Map<String, Object>> documents = List.of(shipped(), withMetadataAt(shipped(), 0),
                withMetadataAt(shipped(), 5), withMetadataAt(shipped(), -1), nested, innerMetadata);
        for (Map<String, Object> document : documents) {
            byte[] bytes = EventJson.MAPPER.writeValueAsBytes(document);
            String what = new String(bytes, StandardCharsets.UTF_8);
            Event lazy = Event.decodeLazily(bytes);
            assertTrue(lazy != null && lazy.sourceJson() != null, "the fast path takes " + what);
            Event eager = new Event((Map<String, Object>) EventJson.parse(bytes, 0, bytes.length));
            assertEquals(eager.metadata(), lazy.metadata(), what);
            assertEquals("h1-3a9f-1200", lazy.get("[@metadata][_id]"));
            Sprintf index = Sprintf.compile("%{[@metadata][beat]}-%{[@metadata][version]}-%{+yyyy.MM.dd}");
            assertEquals("filebeat-7.17.0-2024.07.01", index.apply(lazy));
            assertEquals(index.apply(eager), index.apply(lazy));
            assertTrue(lazy.sourceJson() != null, "reading @metadata and the time keeps the bytes");
            byte[] written = EventJson.toJsonBytes(lazy);
            assertArrayEquals(EventJson.toJsonBytes(eager), written, what);
            assertTrue(!new String(written, StandardCharsets.UTF_8).contains("\"@metadata\":{\"beat"), what);
            // a conditional or filter reading the fields gets the full event, and the same document is written
            assertEquals(eager.get("[log][flags]"), lazy.get("[log][flags]"));
            assertEquals(eager.get("[message]"), lazy.get("[message]"));
            assertEquals(eager.fields(), lazy.fields(), what);
            assertArrayEquals(EventJson.toJsonBytes(eager), EventJson.toJsonBytes(lazy), what);
        }
    }

    @Test
    void aFilterChangingAShippedEventWritesItsFieldsWithoutMetadataAndKeepsTheMetadata() throws IOException {
        byte[] bytes = EventJson.MAPPER.writeValueAsBytes(shipped());
        Event lazy = Event.decodeLazily(bytes);
        lazy.set("[labels][team]", "pay");
        @SuppressWarnings("unchecked")
        Event eager = new Event((Map<String, Object>) EventJson.parse(bytes, 0, bytes.length));
        eager.set("[labels][team]", "pay");
        assertArrayEquals(EventJson.toJsonBytes(eager), EventJson.toJsonBytes(lazy));
        assertEquals("filebeat", lazy.get("[@metadata][beat]"));
        assertTrue(!new String(EventJson.toJsonBytes(lazy), StandardCharsets.UTF_8).contains("\"beat\":\"filebeat\""));
    }
}
