package io.logpipe.indexer.event;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON as Logstash writes it: {@code @timestamp} in ISO-8601 UTC with milliseconds, fields in insertion order. */
public final class EventJson {
    /** {@code 2024-05-01T12:00:00.000Z}: always three fraction digits, as Logstash prints timestamps. */
    public static final DateTimeFormatter TIMESTAMP_FORMAT = new DateTimeFormatterBuilder().appendInstant(3).toFormatter();

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Instant.class, new JsonSerializer<>() {
                @Override
                public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers)
                        throws IOException {
                    gen.writeString(TIMESTAMP_FORMAT.format(value));
                }
            }))
            .enable(DeserializationFeature.USE_LONG_FOR_INTS);

    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    private EventJson() {
    }

    /** The event's fields as JSON (no @metadata). */
    public static String toJson(Event event) {
        try {
            return MAPPER.writeValueAsString(event.fields());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] toJsonBytes(Event event) {
        try {
            return MAPPER.writeValueAsBytes(event.fields());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String toJson(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a JSON object; throws IOException when the bytes are not one. */
    public static Map<String, Object> parseObject(byte[] bytes, int offset, int length) throws IOException {
        return MAPPER.readValue(bytes, offset, length, MAP);
    }

    public static Object parseAny(String json) throws IOException {
        return MAPPER.readValue(json, Object.class);
    }
}
