package io.logpipe.console.auth;

import io.logpipe.console.config.ConsoleConfig;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is logged in. Each session has a random id (the cookie) and its own CSRF token, which every mutating request
 * must carry in {@code X-CSRF-Token}: a page of another site can send the cookie but cannot read the token. Bound to
 * loopback no login is needed: one local session with a token of its own stands for every caller.
 */
public final class Sessions {
    public static final String COOKIE = "logpipe_console_session";
    static final Duration IDLE = Duration.ofHours(12);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A logged-in user. */
    public record Session(String id, String user, String csrfToken, Instant lastUsed) {
    }

    private final List<ConsoleConfig.User> users;
    private final boolean loginRequired;
    private final Clock clock;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Session local;

    public Sessions(List<ConsoleConfig.User> users, boolean loginRequired, Clock clock) {
        this.users = users;
        this.loginRequired = loginRequired;
        this.clock = clock;
        this.local = new Session("local", "local", token(), clock.instant());
    }

    public boolean loginRequired() {
        return loginRequired;
    }

    /** The session a cookie names, if it is live. */
    public Optional<Session> find(String cookie) {
        if (!loginRequired) {
            return Optional.of(local);
        }
        if (cookie == null) {
            return Optional.empty();
        }
        Session s = sessions.get(cookie);
        Instant now = clock.instant();
        if (s == null || s.lastUsed().plus(IDLE).isBefore(now)) {
            sessions.remove(cookie);
            return Optional.empty();
        }
        Session touched = new Session(s.id(), s.user(), s.csrfToken(), now);
        sessions.put(cookie, touched);
        return Optional.of(touched);
    }

    /** A new session when the password matches the user's stored hash. */
    public Optional<Session> login(String user, String password) {
        for (ConsoleConfig.User u : users) {
            if (u.name().equals(user) && PasswordHash.verify(password.toCharArray(), u.passwordHash())) {
                Session s = new Session(token(), user, token(), clock.instant());
                sessions.put(s.id(), s);
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    public void logout(String cookie) {
        if (cookie != null) {
            sessions.remove(cookie);
        }
    }

    private static String token() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
