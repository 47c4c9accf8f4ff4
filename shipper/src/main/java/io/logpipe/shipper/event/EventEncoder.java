package io.logpipe.shipper.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.logpipe.common.time.Timestamps;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes events as the JSON Filebeat 7 ships to Kafka: {@code @timestamp}, {@code @metadata}, {@code log.*},
 * {@code message}, {@code input.type}, {@code fields} (or at the root), {@code tags}, {@code ecs}, {@code host},
 * {@code agent}.
 *
 * <p>Plain events are streamed straight to bytes; only events that merge keys into the root (fields_under_root,
 * json.keys_under_root) go through a map. Not thread-safe: one encoder per publishing thread.
 */
public final class EventEncoder {
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] TIMESTAMP_OPEN = ascii("{\"@timestamp\":\"");
    private static final byte[] METADATA = ascii("\",\"@metadata\":{\"beat\":\"" + AgentInfo.TYPE
            + "\",\"type\":\"_doc\",\"version\":\"" + AgentInfo.COMPATIBLE_VERSION + "\"");
    private static final byte[] ID = ascii(",\"_id\":");
    private static final byte[] OFFSET = ascii("},\"log\":{\"offset\":");
    private static final byte[] PATH = ascii(",\"file\":{\"path\":");
    private static final byte[] MESSAGE = ascii("},\"message\":");
    private static final byte[][] FLAGS = {
        new byte[0],
        ascii(",\"flags\":[\"multiline\"]"),
        ascii(",\"flags\":[\"truncated\"]"),
        ascii(",\"flags\":[\"truncated\",\"multiline\"]"),
    };

    private final AgentInfo agent;
    private final Reusable buffer = new Reusable();
    private final JsonBytes bytes = new JsonBytes();
    private final EventId ids = new EventId();
    private final Map<InputFields, byte[]> inputFragments = new IdentityHashMap<>();
    private final byte[] agentTail;
    private String lastPath;
    private byte[] lastPathJson;

    public EventEncoder(AgentInfo agent) {
        this.agent = agent;
        this.agentTail = agentTail();
    }

    public AgentInfo agent() {
        return agent;
    }

    /** The event's JSON. */
    public byte[] encode(Event event) {
        if (event.json == null && event.jsonError == null && event.input.rootFields().isEmpty()) {
            return encodePlain(event);
        }
        buffer.reset();
        try (JsonGenerator g = JSON.createGenerator(buffer)) {
            writeMap(g, toMap(event), event);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    /**
     * The common case, written straight as bytes: everything but the timestamp, offset, path and message is the
     * same for every event of an input and is serialized once.
     */
    private byte[] encodePlain(Event e) {
        JsonBytes out = bytes;
        out.reset();
        out.raw(TIMESTAMP_OPEN);
        out.advance(Timestamps.write(e.timestampMillis, out.reserve(Timestamps.MAX_LENGTH), out.position()));
        out.raw(METADATA);
        if (e.file != null) {
            out.raw(ID);
            out.string(id(e));
        }
        out.raw(OFFSET);
        out.number(e.offset);
        out.raw(PATH);
        out.raw(pathJson(e.path));
        out.raw('}');
        if (e.flags != 0) {
            out.raw(FLAGS[e.flags & 3]);
        }
        out.raw(MESSAGE);
        e.text.writeJson(out);
        out.raw(inputFragment(e.input));
        out.raw(agentTail);
        return out.toByteArray();
    }

    private byte[] pathJson(String path) {
        if (path.equals(lastPath)) {
            return lastPathJson;
        }
        JsonBytes b = new JsonBytes();
        b.string(path);
        lastPath = path;
        lastPathJson = b.toByteArray();
        return lastPathJson;
    }

    /** {@code ,"input":{..},"fields":{..},"tags":[..]} of an input, serialized on first use. */
    private byte[] inputFragment(InputFields input) {
        byte[] cached = inputFragments.get(input);
        if (cached != null) {
            return cached;
        }
        buffer.reset();
        try (JsonGenerator g = JSON.createGenerator(buffer)) {
            g.writeStartObject();
            g.writeObjectFieldStart("input");
            g.writeStringField("type", input.type());
            g.writeEndObject();
            if (!input.fields().isEmpty()) {
                g.writeFieldName("fields");
                writeValue(g, input.fields());
            }
            if (!input.tags().isEmpty()) {
                g.writeArrayFieldStart("tags");
                for (String t : input.tags()) {
                    g.writeString(t);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        byte[] whole = buffer.toByteArray();
        // drop the enclosing { }, keep a leading comma
        byte[] fragment = new byte[whole.length - 1];
        fragment[0] = ',';
        System.arraycopy(whole, 1, fragment, 1, whole.length - 2);
        inputFragments.put(input, fragment);
        return fragment;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code ,"ecs":..,"host":..,"agent":..}} : the end of every plain event. */
    private byte[] agentTail() {
        buffer.reset();
        try (JsonGenerator g = JSON.createGenerator(buffer)) {
            g.writeStartObject();
            writeAgent(g);
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        byte[] whole = buffer.toByteArray();
        byte[] tail = new byte[whole.length];
        tail[0] = ',';
        System.arraycopy(whole, 1, tail, 1, whole.length - 1);
        return tail;
    }

    /** The event's {@code @metadata._id}: see {@link EventId}. */
    public String id(Event e) {
        return e.file == null ? null : ids.of(agent.name(), e.file, e.offset);
    }

    private void writeMetadata(JsonGenerator g, Event e) throws IOException {
        g.writeObjectFieldStart("@metadata");
        g.writeStringField("beat", AgentInfo.TYPE);
        g.writeStringField("type", "_doc");
        g.writeStringField("version", AgentInfo.COMPATIBLE_VERSION);
        if (e.file != null) {
            g.writeStringField("_id", id(e));
        }
        g.writeEndObject();
    }

    private void writeAgent(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("ecs");
        g.writeStringField("version", AgentInfo.ECS_VERSION);
        g.writeEndObject();
        g.writeObjectFieldStart("host");
        g.writeStringField("name", agent.name());
        g.writeEndObject();
        g.writeObjectFieldStart("agent");
        g.writeStringField("type", AgentInfo.TYPE);
        g.writeStringField("version", AgentInfo.COMPATIBLE_VERSION);
        g.writeStringField("hostname", agent.hostname());
        g.writeStringField("ephemeral_id", agent.ephemeralId());
        g.writeStringField("id", agent.id());
        g.writeStringField("name", agent.name());
        g.writeEndObject();
    }

    static List<String> flags(int flags) {
        List<String> out = new ArrayList<>(2);
        if ((flags & Event.FLAG_TRUNCATED) != 0) {
            out.add("truncated");
        }
        if ((flags & Event.FLAG_MULTILINE) != 0) {
            out.add("multiline");
        }
        return out;
    }

    /** The event as nested maps, exactly as it is shipped (also what format strings look fields up in). */
    public Map<String, Object> toMap(Event e) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("@timestamp", Timestamps.format(e.timestampMillis));
        Map<String, Object> log = new LinkedHashMap<>();
        log.put("offset", e.offset);
        log.put("file", new LinkedHashMap<>(Map.of("path", e.path)));
        if (e.flags != 0) {
            log.put("flags", flags(e.flags));
        }
        root.put("log", log);
        if (e.json == null) {
            root.put("message", e.message());
        }
        root.put("input", new LinkedHashMap<>(Map.of("type", e.input.type())));
        if (!e.input.fields().isEmpty()) {
            root.put("fields", e.input.fields());
        }
        for (Map.Entry<String, Object> f : e.input.rootFields().entrySet()) {
            root.put(f.getKey(), f.getValue());
        }
        if (!e.input.tags().isEmpty()) {
            root.put("tags", new ArrayList<>(e.input.tags()));
        }
        root.put("ecs", Map.of("version", AgentInfo.ECS_VERSION));
        root.put("host", Map.of("name", agent.name()));
        Map<String, Object> agentMap = new LinkedHashMap<>();
        agentMap.put("type", AgentInfo.TYPE);
        agentMap.put("version", AgentInfo.COMPATIBLE_VERSION);
        agentMap.put("hostname", agent.hostname());
        agentMap.put("ephemeral_id", agent.ephemeralId());
        agentMap.put("id", agent.id());
        agentMap.put("name", agent.name());
        root.put("agent", agentMap);
        InputFields.JsonDecoding decoding = e.input.json();
        if (e.json != null && decoding != null) {
            JsonFields.merge(root, e.json, decoding);
        }
        if (e.jsonError != null) {
            if (decoding != null && decoding.addErrorKey()) {
                Map<String, Object> error = new LinkedHashMap<>();
                error.put("message", e.jsonError);
                error.put("type", "json");
                root.put("error", error);
            }
        }
        return root;
    }

    /** What {@link #field} answers for a path that names an object the encoder builds itself (log, agent, ...). */
    public static final Map<String, Object> OBJECT = Map.of();

    /**
     * The value at {@code path} in {@link #toMap}{@code (e)}, found without building that map (format strings look
     * fields up for every event): null when there is none; a list for an array; {@link #OBJECT} or the user's map
     * for an object. Only JSON decoded with {@code expand_keys} still goes through the map.
     */
    public Object field(Event e, String[] path) {
        InputFields.JsonDecoding decoding = e.input.json();
        if (e.json == null || decoding == null) {
            return builtIn(e, path);
        }
        if (decoding.expandKeys()) {
            return lookup(toMap(e), path, 0);
        }
        String key = path[0];
        if (!decoding.keysUnderRoot()) {
            return key.equals("json") ? lookup(e.json, path, 1) : builtIn(e, path);
        }
        // JsonFields.merge: a decoded key takes the root unless the event has it already (and no overwrite_keys)
        Object decoded = e.json.get(key);
        boolean taken = e.json.containsKey(key) && (decoding.overwriteKeys() || !hasBuiltIn(e, key))
                && !(key.equals("@timestamp") && !(decoded instanceof String));
        return taken ? lookup(decoded, path, 1) : builtIn(e, path);
    }

    private boolean hasBuiltIn(Event e, String key) {
        return e.input.rootFields().containsKey(key) || builtIn(e, new String[] {key}) != null;
    }

    /** {@link #field} in the event's own fields, as {@link #toMap} puts them before merging decoded JSON. */
    private Object builtIn(Event e, String[] path) {
        String key = path[0];
        int depth = path.length;
        InputFields in = e.input;
        switch (key) {
            case "ecs":
                return depth == 1 ? OBJECT : depth == 2 && path[1].equals("version") ? AgentInfo.ECS_VERSION : null;
            case "host":
                return depth == 1 ? OBJECT : depth == 2 && path[1].equals("name") ? agent.name() : null;
            case "agent":
                return depth == 1 ? OBJECT : depth == 2 ? agentField(path[1]) : null;
            case "tags":
                if (!in.tags().isEmpty()) {
                    return depth == 1 ? in.tags() : null;
                }
                break;
            case "error":
                InputFields.JsonDecoding decoding = in.json();
                if (e.jsonError != null && decoding != null && decoding.addErrorKey()) {
                    return depth == 1 ? OBJECT : depth > 2 ? null
                            : path[1].equals("message") ? e.jsonError : path[1].equals("type") ? "json" : null;
                }
                break;
            default:
                break;
        }
        // the keys above are put after the root fields and win over them; those below come before and lose
        if (in.rootFields().containsKey(key)) {
            return lookup(in.rootFields().get(key), path, 1);
        }
        return switch (key) {
            case "@timestamp" -> depth == 1 ? Timestamps.format(e.timestampMillis) : null;
            case "message" -> depth == 1 && e.json == null ? e.message() : null;
            case "input" -> depth == 1 ? OBJECT : depth == 2 && path[1].equals("type") ? in.type() : null;
            case "fields" -> in.fields().isEmpty() ? null : lookup(in.fields(), path, 1);
            case "log" -> logField(e, path);
            default -> null;
        };
    }

    private static Object logField(Event e, String[] path) {
        if (path.length == 1) {
            return OBJECT;
        }
        return switch (path[1]) {
            case "offset" -> path.length == 2 ? (Object) e.offset : null;
            case "file" -> path.length == 2 ? OBJECT : path.length == 3 && path[2].equals("path") ? e.path : null;
            case "flags" -> e.flags != 0 && path.length == 2 ? flags(e.flags) : null;
            default -> null;
        };
    }

    private Object agentField(String name) {
        return switch (name) {
            case "type" -> AgentInfo.TYPE;
            case "version" -> AgentInfo.COMPATIBLE_VERSION;
            case "hostname" -> agent.hostname();
            case "ephemeral_id" -> agent.ephemeralId();
            case "id" -> agent.id();
            case "name" -> agent.name();
            default -> null;
        };
    }

    /** {@code value}'s part at {@code path[from..]}; null where a step is missing or not an object. */
    @SuppressWarnings("unchecked")
    private static Object lookup(Object value, String[] path, int from) {
        Object current = value;
        for (int i = from; i < path.length; i++) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = ((Map<String, Object>) m).get(path[i]);
        }
        return current;
    }

    private void writeMap(JsonGenerator g, Map<String, Object> root, Event event) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, Object> entry : root.entrySet()) {
            g.writeFieldName(entry.getKey());
            writeValue(g, entry.getValue());
            if (entry.getKey().equals("@timestamp")) {
                writeMetadata(g, event);
            }
        }
        g.writeEndObject();
    }

    @SuppressWarnings("unchecked")
    private static void writeValue(JsonGenerator g, Object value) throws IOException {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof String s) {
            g.writeString(s);
        } else if (value instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
                g.writeFieldName(e.getKey());
                writeValue(g, e.getValue());
            }
            g.writeEndObject();
        } else if (value instanceof List<?> l) {
            g.writeStartArray();
            for (Object o : l) {
                writeValue(g, o);
            }
            g.writeEndArray();
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof Integer i) {
            g.writeNumber(i);
        } else if (value instanceof Long n) {
            g.writeNumber(n);
        } else if (value instanceof Double d) {
            g.writeNumber(d);
        } else if (value instanceof Number n) {
            g.writeNumber(n.toString());
        } else {
            g.writeString(value.toString());
        }
    }

    /** A byte buffer reused between events, so only the final array is allocated per event. */
    private static final class Reusable extends ByteArrayOutputStream {
        Reusable() {
            super(1024);
        }

        @Override
        public synchronized void reset() {
            if (buf.length > 1 << 20) {
                buf = new byte[1024]; // do not keep a huge line's buffer for ever
            }
            super.reset();
        }
    }
}
