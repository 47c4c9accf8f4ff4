package io.logpipe.indexer.plugins.codecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.indexer.event.Event;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CodecsTest {

    private static List<Event> decode(io.logpipe.indexer.plugins.Codec codec, String text) {
        List<Event> events = new ArrayList<>();
        codec.decode(text.getBytes(StandardCharsets.UTF_8), events::add);
        return events;
    }

    @Test
    void jsonDecodesObjectsAndArraysAndKeepsInvalidJsonTagged() {
        JsonCodec json = new JsonCodec();
        Event one = decode(json, "{\"a\":{\"b\":1},\"@timestamp\":\"2024-01-02T03:04:05.678Z\"}").get(0);
        assertEquals(1L, one.get("[a][b]"));
        assertEquals(Instant.parse("2024-01-02T03:04:05.678Z"), one.timestamp());
        assertEquals(2, decode(json, "[{\"a\":1},{\"a\":2}]").size());
        for (String bad : new String[] {"{\"a\":", "plain text", "42"}) {
            List<Event> events = decode(json, bad);
            assertEquals(1, events.size());
            assertEquals(bad, events.get(0).get("message"));
            assertEquals(List.of("_jsonparsefailure"), events.get(0).tags());
        }
        String encoded = new String(json.encode(one), StandardCharsets.UTF_8);
        assertTrue(encoded.contains("\"@timestamp\":\"2024-01-02T03:04:05.678Z\""), encoded);
    }

    @Test
    void jsonLinesAndLineSplitOnNewlines() {
        List<Event> events = decode(new JsonLinesCodec(), "{\"n\":1}\r\n\n{bad\n{\"n\":3}");
        assertEquals(3, events.size());
        assertEquals(1L, events.get(0).get("n"));
        assertTrue(events.get(1).hasTag("_jsonparsefailure"));
        assertEquals(3L, events.get(2).get("n"));
        List<Event> lines = decode(new LineCodec(null, null), "a\nb\n");
        assertEquals(List.of("a", "b"), lines.stream().map(e -> e.get("message")).toList());
        Event event = Event.withMessage("hi");
        assertEquals("<hi>\n", new String(new LineCodec("<%{message}>", null).encode(event), StandardCharsets.UTF_8));
        assertTrue(new String(new JsonLinesCodec().encode(event), StandardCharsets.UTF_8).endsWith("}\n"));
        assertEquals("hi", decode(new PlainCodec(null), "hi").get(0).get("message"));
    }

    @Test
    void rubydebugAlignsSortedKeys() {
        Event event = Event.withMessage("hello");
        event.setTimestamp(Instant.parse("2024-01-02T03:04:05Z"));
        event.set("[http][status]", 200L);
        event.set("[@metadata][hidden]", "m");
        String text = new String(new RubydebugCodec(false).encode(event), StandardCharsets.UTF_8);
        assertEquals("""
                {
                    "@timestamp" => 2024-01-02T03:04:05.000Z,
                      "@version" => "1",
                          "http" => {
                        "status" => 200
                    },
                       "message" => "hello"
                }
                """.replace(",\n", "\n"), text);
        assertTrue(new String(new RubydebugCodec(true).encode(event), StandardCharsets.UTF_8).contains("\"hidden\" => \"m\""));
    }
}
