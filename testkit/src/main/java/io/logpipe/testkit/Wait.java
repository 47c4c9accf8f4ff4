package io.logpipe.testkit;

import java.time.Duration;

/**
 * Waiting in tests for a condition instead of for a fixed time: the condition is polled until it holds, and a test
 * that waits too long fails saying what it waited for (and, when given, what it saw last). A loaded machine only
 * makes such a test slower, never wrong.
 */
public final class Wait {
    private static final Duration POLL = Duration.ofMillis(10);

    /** A condition that may throw while it is not yet met (a connection refused, a file not there yet). */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    private Wait() {
    }

    /**
     * Returns as soon as {@code condition} holds; throws AssertionError after {@code timeout}. An exception from the
     * condition counts as not yet; the last one is the AssertionError's cause.
     */
    public static void until(String what, Duration timeout, Condition condition) {
        until(what, timeout, POLL, condition);
    }

    /** {@link #until(String, Duration, Condition)}, looking every {@code pollEvery} (for a costly condition). */
    public static void until(String what, Duration timeout, Duration pollEvery, Condition condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
            }
            try {
                Thread.sleep(pollEvery.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }

    /** {@link #until} with the 30 s the tests allow for anything that happens in the background. */
    public static void until(String what, Condition condition) {
        until(what, Duration.ofSeconds(30), condition);
    }
}
