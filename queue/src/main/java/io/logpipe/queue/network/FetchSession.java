package io.logpipe.queue.network;

import java.util.LinkedHashMap;

import io.logpipe.queue.log.PartitionLog;
import io.vertx.core.Context;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.requests.FetchMetadata;

/**
 * One consumer's incremental fetch session (KIP-227): the partitions it fetches, each with the position and limit the
 * client last sent and the high watermark and log start offset the broker last answered. An incremental Fetch names
 * only the partitions whose position changed, and its response carries only the partitions with news (records, a new
 * high watermark or log start offset, an error); every other partition of the session is left out on both ways.
 *
 * <p>Invariants: {@link #epoch} is the epoch the next incremental request must carry (it advances once per accepted
 * request, as in Kafka); partitions are keyed by topic id when the session was made by a v13+ request, by topic name
 * otherwise, and never both; a session is used by the connection that made it only, so its state is touched by that
 * connection's event loop alone; while the session lives it is registered as an append listener on the log of every
 * partition it holds, so a waiting fetch wakes without registering anything per request.
 */
final class FetchSession {
    /** A partition of the session: what the client asked for and what the broker told it last. */
    static final class CachedPartition {
        final Object topic;
        final int partition;
        long fetchOffset;
        int maxBytes;
        /** The high watermark last sent, -1 before the first response or after an error (so it is sent again). */
        long highWatermark = -1;
        long logStartOffset = -1;
        PartitionLog watched;

        CachedPartition(Object topic, int partition) {
            this.topic = topic;
            this.partition = partition;
        }

        Key key() {
            return new Key(topic, partition);
        }
    }

    /** A topic id ({@link Uuid}) or name ({@link String}) and a partition index. */
    record Key(Object topic, int partition) {
    }

    final int id;
    final boolean usesTopicIds;
    final String connection;
    private final Context context;
    private final LinkedHashMap<Key, CachedPartition> partitions = new LinkedHashMap<>();
    private final Runnable onAppend = this::appended;
    int epoch = FetchMetadata.nextEpoch(FetchMetadata.INITIAL_EPOCH);
    long lastUsedMs;
    private volatile Runnable waiter;
    private volatile boolean closed;

    FetchSession(int id, boolean usesTopicIds, String connection, Context context, long nowMs) {
        this.id = id;
        this.usesTopicIds = usesTopicIds;
        this.connection = connection;
        this.context = context;
        this.lastUsedMs = nowMs;
    }

    int size() {
        return partitions.size();
    }

    /** The partitions in fetch order: those answered with records last move to the end, so all get their turn. */
    Iterable<CachedPartition> partitions() {
        return partitions.values();
    }

    boolean has(Object topic, int partition) {
        return partitions.containsKey(new Key(topic, partition));
    }

    /** Adds the partition, or updates it when the session has it: the client sent a new position or limit. */
    CachedPartition update(Object topic, int partition, long fetchOffset, int maxBytes) {
        CachedPartition cached = partitions.computeIfAbsent(new Key(topic, partition), k -> new CachedPartition(topic, partition));
        cached.fetchOffset = fetchOffset;
        cached.maxBytes = maxBytes;
        return cached;
    }

    void forget(Object topic, int partition) {
        CachedPartition removed = partitions.remove(new Key(topic, partition));
        if (removed != null) {
            watch(removed, null);
        }
    }

    /** Moves {@code cached} behind every other partition (it was just served records). */
    void rotate(CachedPartition cached) {
        Key key = cached.key();
        partitions.remove(key);
        partitions.put(key, cached);
    }

    /** Keeps this session listening to appends on {@code log} for {@code cached} (null: none). */
    void watch(CachedPartition cached, PartitionLog log) {
        if (cached.watched == log) {
            return;
        }
        if (cached.watched != null) {
            cached.watched.removeAppendListener(onAppend);
        }
        cached.watched = log;
        if (log != null && !closed) {
            log.addAppendListener(onAppend);
        }
    }

    /** {@code wake} runs (on an appending thread) after each append to a partition of the session; null: none. */
    void waitForAppends(Runnable wake) {
        this.waiter = wake;
    }

    private void appended() {
        Runnable wake = waiter;
        if (wake != null) {
            wake.run();
        }
    }

    /**
     * Evicted or its connection closed, on any thread: stops listening to every partition's appends (on the
     * session's own event loop, where its partitions are changed).
     */
    void close() {
        closed = true;
        waiter = null;
        if (context == null || Context.isOnEventLoopThread() && context == io.vertx.core.Vertx.currentContext()) {
            unwatchAll();
        } else {
            context.runOnContext(v -> unwatchAll());
        }
    }

    private void unwatchAll() {
        for (CachedPartition cached : partitions.values()) {
            if (cached.watched != null) {
                cached.watched.removeAppendListener(onAppend);
                cached.watched = null;
            }
        }
    }

    boolean isClosed() {
        return closed;
    }
}
