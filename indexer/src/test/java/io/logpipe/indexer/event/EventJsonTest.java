package io.logpipe.indexer.event;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
}
