package io.logpipe.queue.config;

import java.util.Locale;
import java.util.Set;

/**
 * What a {@code server.properties} key asks of this broker's TLS and SASL, which do not exist yet (issue 15); ACLs
 * exist ({@code authorizer.class.name}, {@code super.users} and {@code allow.everyone.if.no.acl.found} are read by
 * {@link BrokerConfig}). A security setting must never be silently ignored, so the rule is: a key fails the start
 * when, on Apache Kafka, it turns on encryption or authentication, or supplies the certificates or credentials they
 * use, so that a user who sets it believes the broker is protected. These are
 * {@code ssl.keystore.location/key/certificate.chain},
 * {@code ssl.truststore.location/certificates}, {@code ssl.client.auth} other than {@code none},
 * {@code sasl.enabled.mechanisms}, {@code sasl.jaas.config}, the delegation-token secret, every listener-scoped
 * {@code listener.name.NAME.ssl.*} and {@code listener.name.NAME.[MECHANISM.]sasl.*} key (it exists only to configure
 * a TLS or SASL listener) and {@code security.inter.broker.protocol} other than {@code PLAINTEXT}. Any other {@code ssl.*} or {@code sasl.*}
 * key (protocol versions, cipher suites, store types, passwords without a store, endpoint identification, Kerberos
 * and login tuning, {@code principal.builder.class}, {@code connections.max.reauth.ms}) only tunes a feature that is
 * off without the keys above, so it warns in one line and the broker starts; so does a key above with a blank value,
 * which asks for nothing (Kafka reads it as unset). Listeners
 * whose protocol is not PLAINTEXT are refused where listeners are parsed ({@link BrokerConfig}).
 */
final class SecurityRequest {
    static final String NOT_YET = "this broker has no TLS/SASL yet (issue 15)";

    private static final Set<String> TLS_MATERIAL = Set.of("ssl.keystore.location", "ssl.keystore.key",
            "ssl.keystore.certificate.chain", "ssl.truststore.location", "ssl.truststore.certificates");
    private static final Set<String> SASL_KEYS = Set.of("sasl.enabled.mechanisms", "sasl.jaas.config",
            "delegation.token.secret.key", "delegation.token.master.key");
    private static final Set<String> TUNING_KEYS = Set.of("security.inter.broker.protocol", "principal.builder.class",
            "connections.max.reauth.ms");

    private SecurityRequest() {
    }

    /** The feature {@code key=value} asks for ("TLS", "SASL", a protocol name), or null if none. */
    static String requested(String key, String value) {
        String v = value.strip();
        if (v.isEmpty()) {
            return null;
        }
        if (TLS_MATERIAL.contains(key)) {
            return "TLS";
        }
        if (key.equals("ssl.client.auth")) {
            return v.equalsIgnoreCase("none") ? null : "TLS client authentication";
        }
        if (SASL_KEYS.contains(key)) {
            return "SASL";
        }
        if (key.equals("security.inter.broker.protocol")) {
            return v.equalsIgnoreCase("PLAINTEXT") ? null : v.toUpperCase(Locale.ROOT);
        }
        if (key.startsWith("listener.name.")) {
            String rest = key.substring("listener.name.".length());
            int dot = rest.indexOf('.');
            String scoped = dot < 0 ? "" : rest.substring(dot + 1);
            if (scoped.startsWith("ssl.")) {
                return "TLS";
            }
            if (scoped.startsWith("sasl.") || scoped.endsWith(".sasl.jaas.config")) {
                return "SASL";
            }
        }
        return null;
    }

    /** A security key that {@link #requested} nothing: it warns and the broker starts. */
    static boolean isHarmlessSecurityKey(String key) {
        return key.startsWith("ssl.") || key.startsWith("sasl.") || TUNING_KEYS.contains(key)
                || SASL_KEYS.contains(key);
    }

    /** The reason of the failure for a key that {@link #requested} something. */
    static String refusal(String key, String feature) {
        return "asks for " + feature + ", but " + NOT_YET + ": remove " + key + " or use Apache Kafka";
    }
}
