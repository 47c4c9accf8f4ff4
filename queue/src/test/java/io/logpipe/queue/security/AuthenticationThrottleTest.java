package io.logpipe.queue.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Supplier;

import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;

/** The delay before a failed authentication is answered: per host, doubling, bounded, forgotten. */
class AuthenticationThrottleTest {
    /** A clock the test moves. */
    static final class TestTime implements Time {
        long nowMs = 1_000_000;

        @Override
        public long milliseconds() {
            return nowMs;
        }

        @Override
        public long nanoseconds() {
            return nowMs * 1_000_000;
        }

        @Override
        public void sleep(long ms) {
            nowMs += ms;
        }

        @Override
        public void waitObject(Object obj, Supplier<Boolean> condition, long deadlineMs) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void eachFailureFromOneHostDoublesTheDelayUpToTheBound() {
        TestTime time = new TestTime();
        AuthenticationThrottle throttle = new AuthenticationThrottle(100, time);
        assertEquals(100, throttle.failed("10.0.0.1"));
        assertEquals(200, throttle.failed("10.0.0.1"));
        assertEquals(400, throttle.failed("10.0.0.1"));
        assertEquals(100, throttle.failed("10.0.0.2"), "another host starts at the base delay");
        for (int i = 0; i < 40; i++) {
            throttle.failed("10.0.0.1");
        }
        assertEquals(AuthenticationThrottle.MAX_DELAY_MS, throttle.failed("10.0.0.1"));
    }

    @Test
    void aSuccessOrAQuietMinuteStartsAgainFromTheBase() {
        TestTime time = new TestTime();
        AuthenticationThrottle throttle = new AuthenticationThrottle(100, time);
        throttle.failed("10.0.0.1");
        throttle.failed("10.0.0.1");
        throttle.succeeded("10.0.0.1");
        assertEquals(100, throttle.failed("10.0.0.1"));
        assertEquals(200, throttle.failed("10.0.0.1"));
        time.sleep(AuthenticationThrottle.FORGET_AFTER_MS + 1);
        assertEquals(100, throttle.failed("10.0.0.1"));
    }

    @Test
    void aZeroBaseDelayAnswersAtOnceAsKafkaDoes() {
        AuthenticationThrottle throttle = new AuthenticationThrottle(0, new TestTime());
        throttle.failed("10.0.0.1");
        assertEquals(0, throttle.failed("10.0.0.1"));
    }
}
