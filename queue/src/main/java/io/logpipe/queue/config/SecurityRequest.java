package io.logpipe.queue.config;

import java.util.Set;

/**
 * What a {@code server.properties} security key asks of this broker. TLS ({@code ssl.*},
 * {@code listener.name.NAME.ssl.*}: {@link io.logpipe.queue.tls.TlsSettings}), SASL ({@code sasl.*},
 * {@code listener.name.NAME.[MECHANISM.]sasl.*}, {@code connections.max.reauth.ms}: {@link SaslListener}) and ACLs
 * ({@code authorizer.class.name}, {@code super.users}, {@code allow.everyone.if.no.acl.found}) are read by
 * {@link BrokerConfig}. A security setting must never be silently ignored, so what is left is refused: a delegation
 * token secret turns on delegation tokens on Apache Kafka, which this broker does not have, so it fails the start
 * naming the key. A key of a feature that is on nowhere (a SASL key no SASL listener uses) and the cluster-only
 * tuning keys ({@code security.inter.broker.protocol}, {@code principal.builder.class}) warn in one line and the
 * broker starts; so does a refused key with a blank value, which asks for nothing (Kafka reads it as unset).
 */
final class SecurityRequest {
    static final String NOT_YET = "this broker has no delegation tokens (issue 15)";

    private static final Set<String> DELEGATION_TOKEN_KEYS = Set.of("delegation.token.secret.key",
            "delegation.token.master.key");
    private static final Set<String> TUNING_KEYS = Set.of("security.inter.broker.protocol", "principal.builder.class");

    private SecurityRequest() {
    }

    /** The feature {@code key=value} asks for that this broker lacks ("delegation tokens"), or null if none. */
    static String requested(String key, String value) {
        if (value.strip().isEmpty()) {
            return null;
        }
        return DELEGATION_TOKEN_KEYS.contains(key) ? "delegation tokens" : null;
    }

    /** A key of Kafka's SASL settings (read for SASL listeners; it warns when none uses it). */
    static boolean isSaslKey(String key) {
        if (key.startsWith("sasl.") || key.equals("connections.max.reauth.ms")) {
            return true;
        }
        if (key.startsWith("listener.name.")) {
            String rest = key.substring("listener.name.".length());
            int dot = rest.indexOf('.');
            String scoped = dot < 0 ? "" : rest.substring(dot + 1);
            return scoped.startsWith("sasl.") || scoped.contains(".sasl.");
        }
        return false;
    }

    /** A security key that {@link #requested} nothing and nothing reads here: it warns and the broker starts. */
    static boolean isHarmlessSecurityKey(String key) {
        return TUNING_KEYS.contains(key) || DELEGATION_TOKEN_KEYS.contains(key);
    }

    /** The reason of the failure for a key that {@link #requested} something. */
    static String refusal(String key, String feature) {
        return "asks for " + feature + ", but " + NOT_YET + ": remove " + key + " or use Apache Kafka";
    }
}
