package io.logpipe.queue.network;

import java.nio.ByteBuffer;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.types.ArrayOf;
import org.apache.kafka.common.protocol.types.BoundField;
import org.apache.kafka.common.protocol.types.CompactArrayOf;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.TaggedFields;
import org.apache.kafka.common.protocol.types.Type;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * Counts the entries a request body declares (array elements at every level: topics, partitions, ..., and tagged
 * fields) by walking kafka-clients' own schema for that API and version over the frame, before anything is parsed.
 * Parsing makes an object per entry, a few hundred bytes of heap for a few bytes of wire, so this count, not the
 * frame size, is what a request costs the heap: a 48 MB Fetch naming 3,000,000 partitions would take gigabytes.
 *
 * <p>The walk allocates nothing per entry and stops as soon as the count passes the limit. A frame the walk cannot
 * follow (truncated, a length past its end) is left to the parser, which refuses it as malformed.
 */
final class RequestEntries {
    /** What {@link #count} found: the entries seen, and whether the walk stopped because they passed the limit. */
    record Count(long entries, boolean overLimit) {
    }

    private final long limit;
    private long entries;

    private RequestEntries(long limit) {
        this.limit = limit;
    }

    /**
     * The entries {@code body} (a request body of {@code key} at {@code version}, from its position on) declares,
     * counted up to just past {@code limit}. The buffer's position is left unchanged.
     */
    static Count count(ApiKeys key, short version, ByteBuffer body, long limit) {
        Schema[] schemas = key.messageType.requestSchemas();
        if (version < 0 || version >= schemas.length || schemas[version] == null) {
            return new Count(0, false);
        }
        RequestEntries walk = new RequestEntries(limit);
        try {
            walk.skip(schemas[version], body.duplicate());
        } catch (LimitReached e) {
            return new Count(walk.entries, true);
        } catch (RuntimeException malformed) {
            // the parser says what is wrong with the frame
        }
        return new Count(walk.entries, false);
    }

    /** Thrown (without a stack trace) to stop the walk once the limit is passed. */
    private static final class LimitReached extends RuntimeException {
        LimitReached() {
            super(null, null, false, false);
        }
    }

    private void add(long n, ByteBuffer in) {
        if (n > in.remaining()) {
            // every entry takes at least one byte: the parser refuses this length
            throw new IllegalArgumentException("array of " + n + " entries in " + in.remaining() + " bytes");
        }
        entries += n;
        if (entries > limit) {
            throw new LimitReached();
        }
    }

    private void skip(Type type, ByteBuffer in) {
        if (type instanceof Schema schema) {
            for (BoundField field : schema.fields()) {
                skip(field.def.type, in);
            }
        } else if (type instanceof ArrayOf array) {
            skipElements(array.arrayElementType().orElseThrow(), in.getInt(), in);
        } else if (type instanceof CompactArrayOf array) {
            skipElements(array.arrayElementType().orElseThrow(), ByteUtils.readUnsignedVarint(in) - 1, in);
        } else if (type instanceof TaggedFields tagged) {
            int count = ByteUtils.readUnsignedVarint(in);
            add(count, in);
            for (int i = 0; i < count; i++) {
                int tag = ByteUtils.readUnsignedVarint(in);
                int size = ByteUtils.readUnsignedVarint(in);
                Field known = tagged.fields().get(tag);
                ByteBuffer value = in.slice(in.position(), size);
                in.position(in.position() + size);
                if (known != null) {
                    skip(known.type, value);
                }
            }
        } else {
            skipPrimitive(type, in);
        }
    }

    private void skipElements(Type element, int n, ByteBuffer in) {
        if (n <= 0) {
            return;
        }
        add(n, in);
        for (int i = 0; i < n; i++) {
            skip(element, in);
        }
    }

    private static void skipPrimitive(Type type, ByteBuffer in) {
        int length;
        if (type == Type.BOOLEAN || type == Type.INT8) {
            length = 1;
        } else if (type == Type.INT16 || type == Type.UINT16) {
            length = 2;
        } else if (type == Type.INT32 || type == Type.UNSIGNED_INT32) {
            length = 4;
        } else if (type == Type.INT64 || type == Type.FLOAT64) {
            length = 8;
        } else if (type == Type.UUID) {
            length = 16;
        } else if (type == Type.STRING || type == Type.NULLABLE_STRING) {
            length = Math.max(0, in.getShort());
        } else if (type == Type.BYTES || type == Type.NULLABLE_BYTES || type == Type.RECORDS) {
            length = Math.max(0, in.getInt());
        } else if (type == Type.COMPACT_STRING || type == Type.COMPACT_NULLABLE_STRING || type == Type.COMPACT_BYTES
                || type == Type.COMPACT_NULLABLE_BYTES || type == Type.COMPACT_RECORDS) {
            length = Math.max(0, ByteUtils.readUnsignedVarint(in) - 1);
        } else if (type == Type.VARINT) {
            ByteUtils.readVarint(in);
            return;
        } else if (type == Type.VARLONG) {
            ByteUtils.readVarlong(in);
            return;
        } else {
            throw new IllegalStateException("no walk for type " + type);
        }
        in.position(in.position() + length);
    }
}
