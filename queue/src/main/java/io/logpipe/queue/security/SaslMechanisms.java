package io.logpipe.queue.security;

import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import javax.security.sasl.SaslServer;

import io.logpipe.queue.config.SaslListener;
import org.apache.kafka.common.security.plain.internals.PlainSaslServer;
import org.apache.kafka.common.security.plain.internals.PlainServerCallbackHandler;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslServer;
import org.apache.kafka.common.security.scram.internals.ScramServerCallbackHandler;
import org.apache.kafka.common.security.token.delegation.internals.DelegationTokenCache;
import org.apache.kafka.common.utils.Time;

/**
 * What a SASL listener authenticates with: its enabled mechanisms, and for each a fresh kafka-clients SASL server
 * per authentication ({@link PlainSaslServer} over the JAAS entry's {@code user_NAME} options,
 * {@link ScramSaslServer} over the {@link ScramCredentialStore}), shared settings (re-authentication interval,
 * failure throttle, clock) for the connections' {@link SaslAuthenticator}s.
 */
public final class SaslMechanisms {
    private final SaslListener listener;
    private final PlainServerCallbackHandler plain;
    private final Map<ScramMechanism, ScramServerCallbackHandler> scram = new java.util.EnumMap<>(ScramMechanism.class);
    private final long reauthMs;
    private final AuthenticationThrottle throttle;
    private final Time time;

    public SaslMechanisms(SaslListener listener, ScramCredentialStore store, long reauthMs,
                          AuthenticationThrottle throttle, Time time) {
        this.listener = listener;
        this.reauthMs = reauthMs;
        this.throttle = throttle;
        this.time = time;
        this.plain = new PlainServerCallbackHandler();
        if (listener.mechanisms().contains(PlainSaslServer.PLAIN_MECHANISM)) {
            plain.configure(Map.of(), PlainSaslServer.PLAIN_MECHANISM,
                    List.of(listener.jaasEntries().get(PlainSaslServer.PLAIN_MECHANISM)));
        }
        DelegationTokenCache noTokens = new DelegationTokenCache(ScramMechanism.mechanismNames());
        for (ScramMechanism mechanism : ScramMechanism.values()) {
            if (listener.mechanisms().contains(mechanism.mechanismName())) {
                ScramServerCallbackHandler handler = new ScramServerCallbackHandler(store.cache(mechanism), noTokens);
                handler.configure(Map.of(), mechanism.mechanismName(),
                        List.of(listener.jaasEntries().get(mechanism.mechanismName())));
                scram.put(mechanism, handler);
            }
        }
    }

    public String listenerName() {
        return listener.listenerName();
    }

    public List<String> enabled() {
        return listener.mechanisms();
    }

    /** A new server for one authentication with {@code mechanism}, which must be {@link #enabled}. */
    SaslServer newServer(String mechanism) {
        if (mechanism.equals(PlainSaslServer.PLAIN_MECHANISM)) {
            return new PlainSaslServer(plain);
        }
        ScramMechanism scramMechanism = ScramMechanism.forMechanismName(mechanism);
        try {
            return new ScramSaslServer(scramMechanism, Map.of(), scram.get(scramMechanism));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no " + scramMechanism.hashAlgorithm(), e);
        }
    }

    long reauthMs() {
        return reauthMs;
    }

    AuthenticationThrottle throttle() {
        return throttle;
    }

    Time time() {
        return time;
    }
}
