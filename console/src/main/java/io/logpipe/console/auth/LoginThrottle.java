package io.logpipe.console.auth;

import io.logpipe.console.config.ConsoleConfig.LoginLimit;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins per client address. After {@link LoginLimit#maxFailures()} failures, the first of them less than
 * {@link LoginLimit#lockout()} ago, the address is refused for the lockout, whatever it sends (the right password
 * included): a guesser learns nothing while locked out. A successful login clears the address's count. Entries are
 * dropped once their window has passed, so the map holds only addresses that failed recently.
 */
public final class LoginThrottle {
    private final LoginLimit limit;
    private final Clock clock;
    private final Map<String, Failures> byAddress = new ConcurrentHashMap<>();

    private record Failures(int count, Instant first, Instant lockedUntil) {
    }

    public LoginThrottle(LoginLimit limit, Clock clock) {
        this.limit = limit;
        this.clock = clock;
    }

    /** How long {@code address} must still wait before it may try again; empty when it may try now. */
    public Optional<Duration> refusedFor(String address) {
        Instant now = clock.instant();
        Failures f = current(address, now);
        return f == null || f.lockedUntil() == null ? Optional.empty()
                : Optional.of(Duration.between(now, f.lockedUntil()));
    }

    /** Counts a failed login; true when this one locked the address out. */
    public boolean failed(String address) {
        Instant now = clock.instant();
        Failures f = byAddress.compute(address, (a, old) -> {
            Failures live = old == null || expired(old, now) ? null : old;
            int count = live == null ? 1 : live.count() + 1;
            Instant first = live == null ? now : live.first();
            return new Failures(count, first, count >= limit.maxFailures() ? now.plus(limit.lockout()) : null);
        });
        byAddress.values().removeIf(other -> expired(other, now));
        return f.lockedUntil() != null && f.count() == limit.maxFailures();
    }

    public void succeeded(String address) {
        byAddress.remove(address);
    }

    private Failures current(String address, Instant now) {
        Failures f = byAddress.get(address);
        if (f != null && expired(f, now)) {
            byAddress.remove(address, f);
            return null;
        }
        return f;
    }

    /** A lockout that has ended, or failures whose window has passed without reaching the limit. */
    private boolean expired(Failures f, Instant now) {
        return f.lockedUntil() != null ? !now.isBefore(f.lockedUntil()) : !now.isBefore(f.first().plus(limit.lockout()));
    }
}
