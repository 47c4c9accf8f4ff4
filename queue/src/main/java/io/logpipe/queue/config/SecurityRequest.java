package io.logpipe.queue.config;

import java.util.Locale;
import java.util.Set;

/**
 * What a {@code server.properties} key asks of this broker's security that it does not have yet (issue 15): SASL.
 * ACLs exist ({@code authorizer.class.name}, {@code super.users}, {@code allow.everyone.if.no.acl.found} are read by
 * {@link BrokerConfig}). TLS exists (SSL listeners, {@code ssl.*} and {@code listener.name.NAME.ssl.*}, see
 * {@link io.logpipe.queue.tls.TlsSettings}), so no TLS key is refused here. A security setting must never be
 * silently ignored, so the rule is: a key fails the start when, on Apache Kafka, it turns on authentication or
 * authorization, or supplies the credentials they use, so that a user who sets it believes the broker is protected.
 * These are {@code sasl.enabled.mechanisms}, {@code sasl.jaas.config}, the delegation-token secret, every
 * listener-scoped {@code listener.name.NAME.[MECHANISM.]sasl.*} key (it exists only to configure a SASL listener),
 * and {@code security.inter.broker.protocol} SASL_PLAINTEXT or SASL_SSL. Any other {@code sasl.*} key (Kerberos and
 * login tuning, {@code principal.builder.class}, {@code connections.max.reauth.ms}) only tunes a feature that is off
 * without the keys above, so it warns in one line and the broker starts; so does a key above with a blank value,
 * which asks for nothing (Kafka reads it as unset). Listeners whose protocol is SASL_PLAINTEXT or SASL_SSL are
 * refused where listeners are parsed ({@link BrokerConfig}).
 */
final class SecurityRequest {
    static final String NOT_YET = "this broker has no SASL yet (issue 15)";

    private static final Set<String> SASL_KEYS = Set.of("sasl.enabled.mechanisms", "sasl.jaas.config",
            "delegation.token.secret.key", "delegation.token.master.key");
    private static final Set<String> TUNING_KEYS = Set.of("security.inter.broker.protocol", "principal.builder.class",
            "connections.max.reauth.ms");

    private SecurityRequest() {
    }

    /** The feature {@code key=value} asks for ("SASL", a protocol name), or null if none. */
    static String requested(String key, String value) {
        String v = value.strip();
        if (v.isEmpty()) {
            return null;
        }
        if (SASL_KEYS.contains(key)) {
            return "SASL";
        }
        if (key.equals("security.inter.broker.protocol")) {
            return v.equalsIgnoreCase("PLAINTEXT") || v.equalsIgnoreCase("SSL") ? null : v.toUpperCase(Locale.ROOT);
        }
        if (key.startsWith("listener.name.")) {
            String rest = key.substring("listener.name.".length());
            int dot = rest.indexOf('.');
            String scoped = dot < 0 ? "" : rest.substring(dot + 1);
            if (scoped.startsWith("sasl.") || scoped.endsWith(".sasl.jaas.config")) {
                return "SASL";
            }
        }
        return null;
    }

    /** A security key that {@link #requested} nothing: it warns and the broker starts. */
    static boolean isHarmlessSecurityKey(String key) {
        return key.startsWith("sasl.") || TUNING_KEYS.contains(key)
                || SASL_KEYS.contains(key);
    }

    /** The reason of the failure for a key that {@link #requested} something. */
    static String refusal(String key, String feature) {
        return "asks for " + feature + ", but " + NOT_YET + ": remove " + key + " or use Apache Kafka";
    }
}
