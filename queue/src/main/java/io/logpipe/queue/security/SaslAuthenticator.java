package io.logpipe.queue.security;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;

import io.logpipe.queue.network.ClientRequest;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.plain.internals.PlainSaslServer;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMessages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SASL state of one connection on a SASL listener, driven by Kafka frames (SaslHandshake v1, then
 * SaslAuthenticate v0-2 carrying the mechanism's tokens), so it is the same whatever transport carries the frames.
 * SaslHandshake v0, after which a client would send bare SASL tokens instead of Kafka frames, is refused.
 * Until it succeeds, only ApiVersions, SaslHandshake and SaslAuthenticate are served ({@link #refusal}); anything
 * else, or a request after a failure, closes the connection, as Kafka does. A success makes the connection's
 * principal {@code User:NAME}.
 *
 * <p>Re-authentication (KIP-368): with {@code connections.max.reauth.ms} set, SaslAuthenticate v1+ answers the
 * session lifetime; the client authenticates again on the same connection, with the same mechanism and as the same
 * principal, before it ends. A connection whose session ended without that is closed at its next request.
 *
 * <p>A failure is answered SASL_AUTHENTICATION_FAILED with kafka-clients' own message ("Authentication failed:
 * Invalid username or password" for PLAIN), logged once with the client address, mechanism and user name (never a
 * password), after the {@link AuthenticationThrottle}'s delay, waited on a Vert.x timer.
 */
public final class SaslAuthenticator {
    private static final Logger LOG = LoggerFactory.getLogger(SaslAuthenticator.class);

    private enum State { HANDSHAKE, AUTHENTICATE, AUTHENTICATED, FAILED }

    private final SaslMechanisms mechanisms;
    private final String clientAddress;
    private final String clientHost;
    private final Consumer<KafkaPrincipal> onAuthenticated;
    private State state = State.HANDSHAKE;
    private boolean reauthenticating;
    private String mechanism;
    private SaslServer server;
    private String userName;
    private KafkaPrincipal principal;
    /** System.nanoTime-based end of the session, or 0: none. */
    private long sessionEndsNanos;

    public SaslAuthenticator(SaslMechanisms mechanisms, String clientAddress, Consumer<KafkaPrincipal> onAuthenticated) {
        this.mechanisms = mechanisms;
        this.clientAddress = clientAddress;
        int colon = clientAddress.lastIndexOf(':');
        this.clientHost = colon > 0 ? clientAddress.substring(0, colon) : clientAddress;
        this.onAuthenticated = onAuthenticated;
    }

    /** True once the connection authenticated (and stays so while it re-authenticates). */
    public boolean authenticated() {
        return principal != null && state != State.FAILED;
    }

    /** Why a request of {@code key} must close the connection now, or null when it may be served. */
    public String refusal(ApiKeys key) {
        boolean saslApi = key == ApiKeys.SASL_HANDSHAKE || key == ApiKeys.SASL_AUTHENTICATE;
        if (state == State.FAILED) {
            return key.name + " after a failed SASL authentication on listener " + mechanisms.listenerName();
        }
        if (!authenticated()) {
            return saslApi || key == ApiKeys.API_VERSIONS ? null : key.name + " before SASL authentication on listener "
                    + mechanisms.listenerName() + " (only ApiVersions, SaslHandshake and SaslAuthenticate are served"
                    + " until then)";
        }
        if (!saslApi && sessionEndsNanos != 0 && mechanisms.time().nanoseconds() - sessionEndsNanos > 0) {
            return "the SASL session of " + principal + " ended (connections.max.reauth.ms=" + mechanisms.reauthMs()
                    + ") without re-authentication";
        }
        return null;
    }

    public CompletionStage<AbstractResponse> handshake(ClientRequest request, SaslHandshakeRequest body) {
        String wanted = body.data().mechanism();
        SaslHandshakeResponseData response = new SaslHandshakeResponseData().setMechanisms(mechanisms.enabled());
        if (request.version() == 0) {
            return fail(request, Errors.ILLEGAL_SASL_STATE, "SaslHandshake v0 (raw SASL tokens) is not supported; use"
                    + " a client that sends SaslAuthenticate (any Kafka client since 1.0, librdkafka)", response);
        }
        if (state == State.AUTHENTICATE) {
            return fail(request, Errors.ILLEGAL_SASL_STATE, "SaslHandshake twice without SaslAuthenticate", response);
        }
        if (state == State.AUTHENTICATED && !wanted.equals(mechanism)) {
            return fail(request, Errors.ILLEGAL_SASL_STATE, "re-authentication with " + wanted + " instead of "
                    + mechanism, response);
        }
        if (!mechanisms.enabled().contains(wanted)) {
            LOG.warn("client {} on listener {} asked for SASL mechanism {}, which is not enabled (enabled: {}); closing"
                    + " its connection", clientAddress, mechanisms.listenerName(), wanted, mechanisms.enabled());
            state = State.FAILED;
            return done(new SaslHandshakeResponse(response.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code())));
        }
        reauthenticating = state == State.AUTHENTICATED;
        mechanism = wanted;
        server = mechanisms.newServer(wanted);
        userName = null;
        state = State.AUTHENTICATE;
        return done(new SaslHandshakeResponse(response));
    }

    private CompletionStage<AbstractResponse> fail(ClientRequest request, Errors error, String reason,
                                                   SaslHandshakeResponseData response) {
        LOG.warn("client {} on listener {}: {}; closing its connection", clientAddress, mechanisms.listenerName(), reason);
        state = State.FAILED;
        return done(new SaslHandshakeResponse(response.setErrorCode(error.code())));
    }

    public CompletionStage<AbstractResponse> authenticate(ClientRequest request, SaslAuthenticateRequest body) {
        SaslAuthenticateResponseData response = new SaslAuthenticateResponseData();
        if (state != State.AUTHENTICATE) {
            LOG.warn("client {} on listener {} sent SaslAuthenticate without SaslHandshake; closing its connection",
                    clientAddress, mechanisms.listenerName());
            state = State.FAILED;
            return done(new SaslAuthenticateResponse(response.setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                    .setErrorMessage("SaslAuthenticate before SaslHandshake")));
        }
        byte[] token = body.data().authBytes();
        noteUserName(token);
        byte[] challenge;
        try {
            challenge = server.evaluateResponse(token);
        } catch (SaslAuthenticationException e) {
            return failed(request, e.getMessage(), null);
        } catch (SaslException | RuntimeException e) {
            // Kafka's answer to a SaslException; the mechanism's own reason (it names no secret) goes to the log
            return failed(request, "Authentication failed during authentication due to invalid credentials with SASL"
                    + " mechanism " + mechanism, e.getMessage());
        }
        if (!server.isComplete()) {
            return done(new SaslAuthenticateResponse(response.setAuthBytes(challenge == null ? new byte[0] : challenge)));
        }
        KafkaPrincipal authenticatedAs = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, server.getAuthorizationID());
        disposeServer();
        if (reauthenticating && !authenticatedAs.equals(principal)) {
            return failed(request, "Cannot change principals during re-authentication from " + principal + ": "
                    + authenticatedAs, null);
        }
        mechanisms.throttle().succeeded(clientHost);
        long lifetimeMs = mechanisms.reauthMs();
        sessionEndsNanos = lifetimeMs > 0 ? mechanisms.time().nanoseconds() + lifetimeMs * 1_000_000L : 0;
        if (reauthenticating) {
            LOG.debug("client {} re-authenticated as {} with {}", clientAddress, authenticatedAs, mechanism);
        } else {
            LOG.info("client {} on listener {} authenticated as {} with {}", clientAddress, mechanisms.listenerName(),
                    authenticatedAs, mechanism);
        }
        principal = authenticatedAs;
        state = State.AUTHENTICATED;
        reauthenticating = false;
        onAuthenticated.accept(authenticatedAs);
        return done(new SaslAuthenticateResponse(response.setAuthBytes(challenge == null ? new byte[0] : challenge)
                .setSessionLifetimeMs(lifetimeMs)));
    }

    /** The user a token names, for the log: PLAIN's authcid, SCRAM's client-first {@code n=}. Never the password. */
    private void noteUserName(byte[] token) {
        if (userName != null || token == null) {
            return;
        }
        try {
            if (mechanism.equals(PlainSaslServer.PLAIN_MECHANISM)) {
                String text = new String(token, StandardCharsets.UTF_8);
                int first = text.indexOf('\u0000');
                int second = first < 0 ? -1 : text.indexOf('\u0000', first + 1);
                userName = second < 0 ? "(unreadable)" : text.substring(first + 1, second);
            } else {
                userName = ScramFormatter.username(new ScramMessages.ClientFirstMessage(token).saslName());
            }
        } catch (SaslException | RuntimeException e) {
            userName = "(unreadable)";
        }
    }

    private CompletionStage<AbstractResponse> failed(ClientRequest request, String message, String detail) {
        disposeServer();
        state = State.FAILED;
        long delayMs = mechanisms.throttle().failed(clientHost);
        LOG.warn("SASL authentication failed: client {} on listener {}, mechanism {}, user {}: {}{}{}; closing its"
                        + " connection", clientAddress, mechanisms.listenerName(), mechanism, userName, message,
                detail == null ? "" : " (" + detail + ")", delayMs > 0 ? " (answered after " + delayMs + " ms)" : "");
        SaslAuthenticateResponse response = new SaslAuthenticateResponse(new SaslAuthenticateResponseData()
                .setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code()).setErrorMessage(message));
        if (delayMs == 0 || request.context() == null) {
            return done(response);
        }
        CompletableFuture<AbstractResponse> later = new CompletableFuture<>();
        request.context().owner().setTimer(delayMs, id -> later.complete(response));
        return later;
    }

    private void disposeServer() {
        if (server != null) {
            try {
                server.dispose();
            } catch (SaslException ignored) {
                // nothing was held beyond this authentication
            }
            server = null;
        }
    }

    private static CompletionStage<AbstractResponse> done(AbstractResponse response) {
        return CompletableFuture.completedFuture(response);
    }
}
