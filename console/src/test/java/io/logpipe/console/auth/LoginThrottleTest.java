package io.logpipe.console.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.console.SettableClock;
import io.logpipe.console.config.ConsoleConfig.LoginLimit;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-02T10:00:00Z"));
    private final LoginThrottle throttle = new LoginThrottle(new LoginLimit(3, Duration.ofMinutes(5)), clock);

    @Test
    void theNthFailureLocksTheAddressOutForTheLockoutAndOnlyThatAddress() {
        assertFalse(throttle.failed("10.0.0.1"));
        assertFalse(throttle.failed("10.0.0.1"));
        assertEquals(Optional.empty(), throttle.refusedFor("10.0.0.1"), "two failures: may try again");
        assertTrue(throttle.failed("10.0.0.1"), "the third locks it out");
        assertEquals(Optional.of(Duration.ofMinutes(5)), throttle.refusedFor("10.0.0.1"));
        assertEquals(Optional.empty(), throttle.refusedFor("10.0.0.2"), "another address is not affected");
        clock.advance(Duration.ofMinutes(4));
        assertEquals(Optional.of(Duration.ofMinutes(1)), throttle.refusedFor("10.0.0.1"));
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Optional.empty(), throttle.refusedFor("10.0.0.1"), "the lockout is over");
        assertFalse(throttle.failed("10.0.0.1"), "and counting starts again");
    }

    @Test
    void failuresSpreadWiderThanTheWindowAndASuccessfulLoginDoNotAddUp() {
        throttle.failed("10.0.0.1");
        throttle.failed("10.0.0.1");
        clock.advance(Duration.ofMinutes(6));
        assertFalse(throttle.failed("10.0.0.1"), "the first two are out of the window");
        assertFalse(throttle.failed("10.0.0.1"));
        throttle.succeeded("10.0.0.1");
        assertFalse(throttle.failed("10.0.0.1"), "a successful login cleared the count");
        assertEquals(Optional.empty(), throttle.refusedFor("10.0.0.1"));
    }
}
