package io.logpipe.indexer.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventTest {

    @Test
    void nestedFieldReferencesReadWriteAndRemove() {
        Event event = new Event();
        event.set("[http][request][method]", "GET");
        event.set("status", 200L);
        assertEquals("GET", event.get("[http][request][method]"));
        assertEquals(Map.of("method", "GET"), event.get("[http][request]"));
        assertEquals(200L, event.get("[status]"));
        assertTrue(event.includes("[http][request]"));
        assertFalse(event.includes("[http][response]"));
        assertEquals("GET", event.remove("[http][request][method]"));
        assertNull(event.get("[http][request][method]"));
        assertNull(event.get("[status][deeper]"));
    }

    @Test
    void listElementsByIndex() {
        Event event = new Event(new LinkedHashMap<>(Map.of("a", new ArrayList<>(List.of("x", "y")))));
        assertEquals("y", event.get("[a][1]"));
        assertEquals("y", event.get("[a][-1]"));
        assertNull(event.get("[a][5]"));
    }

    @Test
    void metadataIsSeparateFromFieldsAndNeverSerialized() {
        Event event = Event.withMessage("hello");
        event.set("[@metadata][kafka][topic]", "logs");
        assertEquals("logs", event.get("[@metadata][kafka][topic]"));
        assertFalse(event.fields().containsKey("@metadata"));
        assertFalse(EventJson.toJson(event).contains("logs"));
    }

    @Test
    void timestampIsSetParsedOrTaggedWhenUnparseable() {
        Event fresh = new Event();
        assertTrue(fresh.timestamp().isAfter(Instant.now().minusSeconds(5)));
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("@timestamp", "2024-03-01T10:15:30.123Z");
        assertEquals(Instant.parse("2024-03-01T10:15:30.123Z"), new Event(fields).timestamp());
        Map<String, Object> bad = new LinkedHashMap<>();
        bad.put("@timestamp", "yesterday");
        Event tagged = new Event(bad);
        assertTrue(tagged.hasTag("_timestampparsefailure"));
        assertEquals("yesterday", tagged.get("_@timestamp"));
        assertThrows(IllegalArgumentException.class, () -> fresh.set("@timestamp", "not a time"));
        assertTrue(EventJson.toJson(new Event(fields)).contains("\"@timestamp\":\"2024-03-01T10:15:30.123Z\""));
    }

    @Test
    void tagsAreAddedOnceAndRemoved() {
        Event event = new Event();
        event.set("tags", "single");
        event.tag("a");
        event.tag("a");
        assertEquals(List.of("single", "a"), event.tags());
        event.untag("single");
        assertEquals(List.of("a"), event.tags());
    }

    @Test
    void malformedReferencesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> FieldReference.of("[a"));
        assertThrows(IllegalArgumentException.class, () -> FieldReference.of("a[b]"));
        assertThrows(IllegalArgumentException.class, () -> FieldReference.of("[a][]"));
        assertEquals("a.b", FieldReference.of("a.b").lastSegment());
    }

    @Test
    void sprintfInsertsFieldsAndKeepsMissingOnesAsWritten() {
        Event event = new Event();
        event.set("[host][name]", "web1");
        event.set("list", List.of("a", "b"));
        event.setTimestamp(Instant.parse("2024-12-31T23:59:59Z"));
        assertEquals("web1 a,b %{missing}", Sprintf.compile("%{[host][name]} %{list} %{missing}").apply(event));
        assertEquals("1735689599", Sprintf.compile("%{+%s}").apply(event));
        assertEquals("logs-2024.12.31", Sprintf.compile("logs-%{+YYYY.MM.dd}").apply(event));
        assertTrue(Sprintf.compile("plain").isConstant());
        // Joda's YYYY is the year of era: the last days of December stay in their own year's index.
        event.setTimestamp(Instant.parse("2024-12-30T10:00:00Z"));
        assertEquals("logs-2024.12.30", Sprintf.compile("logs-%{+YYYY.MM.dd}").apply(event));
        event.setTimestamp(Instant.parse("2025-01-01T00:00:00.250Z"));
        assertEquals("2025-01-01 00:00:00.250", Sprintf.compile("%{+yyyy-MM-dd HH:mm:ss.SSS}").apply(event));
    }
}
