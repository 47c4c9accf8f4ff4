package io.logpipe.indexer.event;

import io.logpipe.common.time.Timestamps;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON as Logstash writes it: {@code @timestamp} in ISO-8601 UTC with milliseconds, fields in insertion order. */
public final class EventJson {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Instant.class, new JsonSerializer<>() {
                @Override
                public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers)
                        throws IOException {
                    gen.writeString(Timestamps.format(value));
                }
            }))
            .enable(DeserializationFeature.USE_LONG_FOR_INTS);

    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };
    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private EventJson() {
    }

    /** The event's fields as JSON (no @metadata). */
    public static String toJson(Event event) {
        try {
            return MAPPER.writeValueAsString(event.data());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The event's fields as JSON bytes, written with the streaming generator: the same output as the mapper gives,
     * without looking up a serializer for every value; for an event unchanged since it was read, the bytes that came
     * in (see {@link #write}).
     */
    public static byte[] toJsonBytes(Event event) {
        byte[] source = event.sourceJson();
        if (source != null && !event.versionAdded() && !event.timestampAdded() && event.sourceTimestampStart() < 0) {
            return source; // unchanged since it was read, and nothing to add: the bytes that came in
        }
        ByteArrayBuilder out = new ByteArrayBuilder(source != null ? source.length + 32 : 512);
        try {
            write(event, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Writes what {@link #toJsonBytes} gives into {@code out}, without a byte array of its own: an event unchanged
     * since it was read goes in as pieces of the bytes that came in, any other through the streaming generator. For
     * the elasticsearch output, which puts every document of a bulk request into one buffer.
     */
    public static void write(Event event, OutputStream out) throws IOException {
        byte[] source = event.sourceJson();
        if (source != null) {
            writeVerbatim(event, source, out);
            return;
        }
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET); // the caller's buffer goes on after this document
            writeValue(g, event.data());
        }
    }

    /**
     * The bytes that came in, with what the event added where the mapper would write it (after the document's own
     * fields: {@code @timestamp} if the document had none, then {@code @version}), and {@code @timestamp} in the form
     * outputs write it where the document had another form; written as pieces of {@code source} and what goes
     * between them.
     */
    private static void writeVerbatim(Event event, byte[] source, OutputStream out) throws IOException {
        int timestampStart = event.sourceTimestampStart();
        if (!event.versionAdded() && !event.timestampAdded() && timestampStart < 0) {
            out.write(source);
            return;
        }
        int end = source.length - 1;
        while (end > 0 && source[end] != '}') {
            end--; // trailing whitespace
        }
        int from = 0;
        if (timestampStart >= 0) {
            out.write(source, 0, timestampStart);
            writeAscii(out, '"' + Timestamps.format(event.timestamp()) + '"');
            from = event.sourceTimestampEnd();
        }
        out.write(source, from, end - from);
        if (event.timestampAdded()) {
            writeAscii(out, ",\"@timestamp\":\"" + Timestamps.format(event.timestamp()) + '"');
        }
        out.write(event.versionAdded() ? VERSION_FIELD : OBJECT_END);
    }

    private static void writeAscii(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static final byte[] VERSION_FIELD = ",\"@version\":\"1\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OBJECT_END = {'}'};

    @SuppressWarnings("unchecked")
    private static void writeValue(JsonGenerator g, Object value) throws IOException {
        if (value instanceof String s) {
            g.writeString(s);
        } else if (value instanceof Map<?, ?> map) {
            g.writeStartObject();
            for (Map.Entry<String, Object> e : ((Map<String, Object>) map).entrySet()) {
                g.writeFieldName(e.getKey());
                writeValue(g, e.getValue());
            }
            g.writeEndObject();
        } else if (value instanceof List<?> list) {
            g.writeStartArray();
            for (Object element : list) {
                writeValue(g, element);
            }
            g.writeEndArray();
        } else if (value instanceof Long n) {
            g.writeNumber(n);
        } else if (value instanceof Double d) {
            g.writeNumber(d);
        } else if (value instanceof Integer n) {
            g.writeNumber(n);
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof Instant instant) {
            g.writeString(Timestamps.format(instant));
        } else if (value == null) {
            g.writeNull();
        } else {
            MAPPER.writeValue(g, value); // anything else (BigDecimal, arrays, ...) as the mapper would write it
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

    /**
     * Parses one JSON value as the mapper would (objects as LinkedHashMap, arrays as ArrayList, integers as Long or
     * BigInteger, decimals as Double), with the streaming parser: this runs for every event whose fields are read.
     *
     * @throws IOException when the bytes are not one JSON value
     */
    public static Object parse(byte[] bytes, int offset, int length) throws IOException {
        try (JsonParser p = FACTORY.createParser(bytes, offset, length)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new IOException("no JSON value");
            }
            return readValue(p, first);
        }
    }

    /**
     * What {@link #scanObject} found among an object's top-level fields: {@code @timestamp}'s text and where its
     * string token lies in the bytes, quotes included ({@code timestampEnd - timestampStart} is the text's length
     * plus 2 when it has no escapes), whether {@code @version} is there, whether the object has no field but
     * {@code @metadata}, and {@code @metadata} (null if absent) with the bytes to cut to take it out: from
     * {@code metadataCutStart} to {@code metadataCutEnd}, one comma next to it included, so that what is left is the
     * same object without it.
     */
    record TopLevel(String timestamp, int timestampStart, int timestampEnd, boolean hasVersion, boolean empty,
                    Map<String, Object> metadata, int metadataCutStart, int metadataCutEnd) {
        boolean timestampWithoutEscapes() {
            return timestampEnd - timestampStart == timestamp.length() + 2;
        }

        /** The bytes without {@code @metadata} (the same array when there was none). */
        byte[] withoutMetadata(byte[] json) {
            if (metadata == null) {
                return json;
            }
            byte[] out = new byte[json.length - (metadataCutEnd - metadataCutStart)];
            System.arraycopy(json, 0, out, 0, metadataCutStart);
            System.arraycopy(json, metadataCutEnd, out, metadataCutStart, json.length - metadataCutEnd);
            return out;
        }

        /** Where a byte offset of the source lies once {@code @metadata} is cut out (-1 stays -1). */
        int shifted(int offset) {
            return metadata == null || offset < metadataCutStart ? offset
                    : offset - (metadataCutEnd - metadataCutStart);
        }
    }

    /**
     * Reads a JSON object through without building it (no maps, no strings but {@code @timestamp}'s and what
     * {@code @metadata} holds), for an event that may never need its fields. Returns null unless the bytes are exactly
     * one object on one line whose fields, written back, would be those bytes once {@code @metadata} (never written)
     * is cut out (no key twice in an object, nothing after it, {@code @metadata} an object if there) and whose
     * {@code @timestamp}, if any, is a string: {@link #parse} then decides what the bytes are.
     */
    @SuppressWarnings("unchecked")
    static TopLevel scanObject(byte[] json) {
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String timestamp = null;
            int timestampStart = -1;
            int timestampEnd = -1;
            boolean version = false;
            boolean empty = true;
            Map<String, Object> metadata = null;
            int cutStart = -1;
            int cutEnd = -1;
            Keys keys = new Keys();
            String name;
            while ((name = p.nextFieldName()) != null) {
                if (!keys.addNew(name)) {
                    return null;
                }
                int nameStart = (int) p.currentTokenLocation().getByteOffset();
                JsonToken token = p.nextToken();
                switch (name) {
                    case Event.TIMESTAMP -> {
                        empty = false;
                        if (token != JsonToken.VALUE_STRING) {
                            return null;
                        }
                        timestampStart = (int) p.currentTokenLocation().getByteOffset();
                        timestamp = p.getText();
                        timestampEnd = (int) p.currentLocation().getByteOffset();
                    }
                    case Event.METADATA -> {
                        if (token != JsonToken.START_OBJECT) {
                            return null;
                        }
                        metadata = (Map<String, Object>) readValue(p, token);
                        int valueEnd = (int) p.currentLocation().getByteOffset();
                        int before = nameStart - 1;
                        while (isWhitespace(json[before])) {
                            before--;
                        }
                        if (json[before] == ',') {
                            cutStart = before; // ,"@metadata":{..}
                            cutEnd = valueEnd;
                        } else { // the first field: "@metadata":{..}, (or the only one)
                            int after = valueEnd;
                            while (after < json.length && isWhitespace(json[after])) {
                                after++;
                            }
                            cutStart = nameStart;
                            cutEnd = after < json.length && json[after] == ',' ? after + 1 : valueEnd;
                        }
                    }
                    default -> {
                        empty = false;
                        version |= name.equals(Event.VERSION);
                        if (!skipVerbatim(p, token)) {
                            return null;
                        }
                    }
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
            // Line breaks can only be whitespace here (raw ones inside strings do not parse): the parser counted them.
            if (p.currentLocation().getLineNr() != 1) {
                return null;
            }
            return new TopLevel(timestamp, timestampStart, timestampEnd, version, empty, metadata, cutStart, cutEnd);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    /**
     * The keys of one object, to notice one given twice: a 64-bit filter on their hashes, and the list of names
     * only searched when the filter says the name may be there.
     */
    private static final class Keys {
        private long filter;
        private final List<String> names = new ArrayList<>(16);

        boolean addNew(String name) {
            long bit = 1L << name.hashCode(); // the shift takes the hash's low 6 bits
            if ((filter & bit) != 0 && names.contains(name)) {
                return false;
            }
            filter |= bit;
            names.add(name);
            return true;
        }
    }

    /** Reads past one value; false if an object in it has a key twice. */
    private static boolean skipVerbatim(JsonParser p, JsonToken token) throws IOException {
        if (token == JsonToken.START_OBJECT) {
            Keys keys = new Keys();
            String name;
            while ((name = p.nextFieldName()) != null) {
                if (!keys.addNew(name)) {
                    return false;
                }
                if (!skipVerbatim(p, p.nextToken())) {
                    return false;
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new IOException("unexpected " + p.currentToken() + " in an object");
            }
        } else if (token == JsonToken.START_ARRAY) {
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t == null) {
                    throw new IOException("unterminated array");
                }
                if (!skipVerbatim(p, t)) {
                    return false;
                }
            }
        } else if (token == null || token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
            throw new IOException("unexpected " + token);
        }
        return true;
    }

    private static Object readValue(JsonParser p, JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                String name;
                while ((name = p.nextFieldName()) != null) {
                    map.put(name, readValue(p, p.nextToken()));
                }
                if (p.currentToken() != JsonToken.END_OBJECT) {
                    throw new IOException("unexpected " + p.currentToken() + " in an object");
                }
                return map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                JsonToken t;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == null) {
                        throw new IOException("unterminated array");
                    }
                    list.add(readValue(p, t));
                }
                return list;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue()
                        : (Object) p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new IOException("unexpected " + token);
        }
    }

    public static Object parseAny(String json) throws IOException {
        return MAPPER.readValue(json, Object.class);
    }
}
