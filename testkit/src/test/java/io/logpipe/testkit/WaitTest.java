package io.logpipe.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WaitTest {
    @Test
    void returnsOnceTheConditionHoldsTreatingExceptionsAsNotYet() {
        AtomicInteger polls = new AtomicInteger();
        Wait.until("the third poll", Duration.ofSeconds(30), () -> {
            if (polls.incrementAndGet() == 1) {
                throw new IOException("not there yet");
            }
            return polls.get() >= 3;
        });
        assertEquals(3, polls.get());
    }

    @Test
    void failsAfterTheTimeoutSayingWhatItWaitedForAndWhatItSawLast() {
        AssertionError error = assertThrows(AssertionError.class, () -> Wait.until("the moon", Duration.ofMillis(50),
                () -> {
                    throw new IOException("still dark");
                }));
        assertTrue(error.getMessage().contains("the moon"), error.getMessage());
        assertEquals("still dark", error.getCause().getMessage());
    }
}
