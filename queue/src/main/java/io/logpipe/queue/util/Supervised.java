package io.logpipe.queue.util;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic broker work that must not die silently. A ScheduledExecutorService drops every later run of a periodic
 * task once one run throws, without a word; wrapped here, a run that fails (an OutOfMemoryError included) is logged
 * and the next run happens as scheduled, so flushes, retention, probes and expiry keep going.
 */
public final class Supervised {
    private static final Logger LOG = LoggerFactory.getLogger(Supervised.class);

    private Supervised() {
    }

    /** {@code task}, logging and swallowing whatever one run throws; {@code name} says what failed. */
    public static Runnable task(String name, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable e) {
                try {
                    LOG.error("{} failed and will run again as scheduled: {}", name, e.toString());
                } catch (Throwable ignored) {
                    // even logging failed (no memory): the next run is what matters
                }
            }
        };
    }
}
