package io.logpipe.queue.network;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.vertx.core.Context;

/**
 * The broker's fetch sessions, at most {@code max.incremental.fetch.session.cache.slots} (Kafka's key, default
 * 1000) at once. When the cache is full a new session takes the slot of one idle for two minutes or more, else of
 * the smallest session if it holds fewer partitions than the new one (a session is worth more the more partitions it
 * saves resending), as Kafka's cache decides; otherwise the fetch is answered without a session (session id 0) and
 * the client keeps sending full requests. A connection's sessions go when it closes: a client that reconnects starts
 * a new session anyway. Thread-safe: connections on every event loop share it.
 */
public final class FetchSessionCache {
    static final long EVICTION_IDLE_MS = 120_000;

    private final int slots;
    private final LongSupplier clock;
    private final Map<Integer, FetchSession> sessions = new HashMap<>();
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong incrementalFetches = new AtomicLong();
    private final AtomicLong partitionsLeftOut = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger waitingFetches = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * What the cache did so far, for tests and monitoring: sessions now, sessions ever created, incremental fetches
     * answered, partitions those left out (no news), fetches (with or without a session) waiting for an append now.
     */
    public record Counters(int sessions, long created, long incrementalFetches, long partitionsLeftOut,
                           int waitingFetches) {
    }

    FetchSessionCache(int slots, LongSupplier clock) {
        this.slots = slots;
        this.clock = clock;
    }

    public static FetchSessionCache of(int slots) {
        return new FetchSessionCache(slots, System::currentTimeMillis);
    }

    public synchronized Counters counters() {
        return new Counters(sessions.size(), created.get(), incrementalFetches.get(), partitionsLeftOut.get(),
                waitingFetches.get());
    }

    /** A new, empty session for {@code size} partitions, or null when no slot is free or may be taken. */
    synchronized FetchSession create(int size, boolean usesTopicIds, String connection, Context context) {
        long now = clock.getAsLong();
        if (slots == 0) {
            return null;
        }
        if (sessions.size() >= slots && !evictFor(size, now)) {
            return null;
        }
        int id;
        do {
            id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        } while (sessions.containsKey(id));
        FetchSession session = new FetchSession(id, usesTopicIds, connection, context, now);
        sessions.put(id, session);
        created.incrementAndGet();
        return session;
    }

    private boolean evictFor(int size, long now) {
        FetchSession stalest = null;
        FetchSession smallest = null;
        for (FetchSession s : sessions.values()) {
            if (stalest == null || s.lastUsedMs < stalest.lastUsedMs) {
                stalest = s;
            }
            if (smallest == null || s.size() < smallest.size()) {
                smallest = s;
            }
        }
        FetchSession victim = stalest != null && now - stalest.lastUsedMs >= EVICTION_IDLE_MS ? stalest
                : smallest != null && smallest.size() < size ? smallest : null;
        if (victim == null) {
            return false;
        }
        sessions.remove(victim.id);
        victim.close();
        return true;
    }

    /** The session {@code id} if it exists and belongs to {@code connection}; marks it used. */
    synchronized FetchSession get(int id, String connection) {
        FetchSession session = sessions.get(id);
        if (session == null || !session.connection.equals(connection)) {
            return null;
        }
        session.lastUsedMs = clock.getAsLong();
        return session;
    }

    synchronized void remove(int id) {
        FetchSession session = sessions.remove(id);
        if (session != null) {
            session.close();
        }
    }

    /** Drops every session of a connection that closed. */
    synchronized void connectionClosed(String connection) {
        sessions.values().removeIf(session -> {
            if (session.connection.equals(connection)) {
                session.close();
                return true;
            }
            return false;
        });
    }

    void fetchWaits(boolean waits) {
        waitingFetches.addAndGet(waits ? 1 : -1);
    }

    void countIncremental(int leftOut) {
        incrementalFetches.incrementAndGet();
        partitionsLeftOut.addAndGet(leftOut);
    }
}
