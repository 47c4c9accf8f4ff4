package io.logpipe.queue.group;

/**
 * The group state machine's time: the clock it reads and the timers it sets (rebalance timeouts, the initial
 * rebalance delay). The coordinator runs timers on its scheduler thread, under the state machine's lock; tests move
 * a manual clock instead of waiting.
 */
interface GroupTimer {
    long nowMs();

    /** Runs {@code task} once, {@code delayMs} from now, under the state machine's lock. */
    void schedule(long delayMs, Runnable task);
}
