package io.logpipe.queue.security;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.utils.Time;

/**
 * How long to wait before answering a failed authentication, per client host, so that a password guesser gets few
 * tries a second and cannot keep the broker's CPU busy: Kafka's {@code connection.failed.authentication.delay.ms}
 * for a first failure, doubled for each further failure from the same host, at most {@link #MAX_DELAY_MS}. A host
 * that authenticates, or stays quiet for {@link #FORGET_AFTER_MS}, starts again from the base delay. The delay is
 * waited on a timer by the caller, never by blocking a thread.
 */
public final class AuthenticationThrottle {
    static final long MAX_DELAY_MS = 5_000;
    static final long FORGET_AFTER_MS = 60_000;
    private static final int MAX_HOSTS = 10_000;

    private record Failures(int count, long lastMs) {
    }

    private final long baseDelayMs;
    private final Time time;
    private final Map<String, Failures> byHost = new ConcurrentHashMap<>();

    public AuthenticationThrottle(long baseDelayMs, Time time) {
        this.baseDelayMs = baseDelayMs;
        this.time = time;
    }

    /** Records a failure of {@code host} and returns how long its answer waits. 0 when the base delay is 0. */
    public long failed(String host) {
        long now = time.milliseconds();
        if (byHost.size() > MAX_HOSTS) {
            forgetQuietHosts(now);
        }
        Failures failures = byHost.compute(host, (h, previous) -> previous == null
                || now - previous.lastMs() > FORGET_AFTER_MS ? new Failures(1, now)
                : new Failures(Math.min(previous.count() + 1, 30), now));
        if (baseDelayMs == 0) {
            return 0;
        }
        long delay = baseDelayMs << Math.min(failures.count() - 1, 20);
        return Math.min(delay, Math.max(MAX_DELAY_MS, baseDelayMs));
    }

    /** {@code host} authenticated: its next failure waits the base delay again. */
    public void succeeded(String host) {
        byHost.remove(host);
    }

    private void forgetQuietHosts(long now) {
        for (Iterator<Failures> it = byHost.values().iterator(); it.hasNext(); ) {
            if (now - it.next().lastMs() > FORGET_AFTER_MS) {
                it.remove();
            }
        }
    }
}
