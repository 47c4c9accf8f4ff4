package io.logpipe.queue.util;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class SupervisedTest {
    @Test
    void aPeriodicTaskKeepsRunningAfterOneRunThrowsAnOutOfMemoryError() throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch ranAgain = new CountDownLatch(3);
            scheduler.scheduleWithFixedDelay(Supervised.task("test task", () -> {
                if (runs.incrementAndGet() == 1) {
                    throw new OutOfMemoryError("Java heap space (thrown by the test)");
                }
                if (runs.get() == 2) {
                    throw new IllegalStateException("a bug (thrown by the test)");
                }
                ranAgain.countDown();
            }), 0, 10, TimeUnit.MILLISECONDS);
            assertTrue(ranAgain.await(10, TimeUnit.SECONDS), "runs after the failures: " + runs.get());
        } finally {
            scheduler.shutdownNow();
        }
    }
}
