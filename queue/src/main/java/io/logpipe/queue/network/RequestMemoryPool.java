package io.logpipe.queue.network;

import java.util.ArrayDeque;

/**
 * Kafka's {@code queued.max.request.bytes}: the bytes all connections together may hold in requests being read or
 * waiting to be handled. A connection whose next frame does not fit stops reading (TCP pushes back on its client)
 * until enough is released, instead of allocating past the heap. One frame is always let in when nothing is held,
 * so a request up to {@code socket.request.max.bytes} is never refused for its size alone.
 */
final class RequestMemoryPool {
    private final long capacity;
    private long used;
    private final ArrayDeque<Runnable> waiters = new ArrayDeque<>();

    RequestMemoryPool(long capacity) {
        this.capacity = capacity;
    }

    /** The pool for {@code queued.max.request.bytes} ({@code -1}: a quarter of the heap, at least one request). */
    static RequestMemoryPool of(long queuedMaxRequestBytes, int socketRequestMaxBytes) {
        long capacity = queuedMaxRequestBytes > 0 ? queuedMaxRequestBytes
                : Math.max(Runtime.getRuntime().maxMemory() / 4, socketRequestMaxBytes);
        return new RequestMemoryPool(capacity);
    }

    long capacity() {
        return capacity;
    }

    synchronized long used() {
        return used;
    }

    /**
     * Takes {@code bytes} when they fit; otherwise queues {@code onAvailable}, run (on the releasing thread) once
     * memory was released, when the caller should try again.
     */
    synchronized boolean tryReserve(int bytes, Runnable onAvailable) {
        if (used == 0 || used + bytes <= capacity) {
            used += bytes;
            return true;
        }
        waiters.add(onAvailable);
        return false;
    }

    void release(int bytes) {
        Runnable[] wake;
        synchronized (this) {
            used -= bytes;
            wake = waiters.toArray(new Runnable[0]);
            waiters.clear();
        }
        for (Runnable waiter : wake) {
            waiter.run();
        }
    }
}
