package io.logpipe.queue.config;

import java.util.Locale;
import java.util.Set;

/**
 * What a {@code server.properties} key asks of this broker's security, of which TLS and ACLs do not exist yet
 * (issue 15). A security setting must never be silently ignored, so the rule is: a key fails the start when, on
 * Apache Kafka, it turns on encryption or authorization, or supplies the certificates or secrets they use, so that a
 * user who sets it believes the broker is protected. These are {@code ssl.keystore.location/key/certificate.chain},
 * {@code ssl.truststore.location/certificates}, {@code ssl.client.auth} other than {@code none}, the
 * delegation-token secret (delegation tokens are not supported), every listener-scoped {@code listener.name.NAME.ssl.*}
 * key (it exists only to configure a TLS listener), {@code authorizer.class.name}, {@code super.users},
 * {@code allow.everyone.if.no.acl.found} and {@code security.inter.broker.protocol} SSL or SASL_SSL. Any other
 * {@code ssl.*} key (protocol versions, cipher suites, store types, passwords without a store, endpoint
 * identification) and {@code principal.builder.class} only tunes a feature that is off without the keys above, so it
 * warns in one line and the broker starts; so does a key above with a blank value, which asks for nothing (Kafka reads
 * it as unset). Listeners whose protocol is SSL or SASL_SSL are refused where listeners are parsed
 * ({@link BrokerConfig}).
 *
 * <p>SASL works on SASL_PLAINTEXT listeners: {@code sasl.enabled.mechanisms}, {@code sasl.jaas.config},
 * {@code listener.name.NAME.[MECHANISM.]sasl.*}, {@code connections.max.reauth.ms} and
 * {@code sasl.server.max.receive.size} are read by {@link SaslListener} and {@link BrokerConfig}; one that no SASL
 * listener uses warns that it has no effect ({@link #isSaslKey}).
 */
final class SecurityRequest {
    static final String NOT_YET = "this broker has no TLS/ACLs yet (issue 15)";

    private static final Set<String> TLS_MATERIAL = Set.of("ssl.keystore.location", "ssl.keystore.key",
            "ssl.keystore.certificate.chain", "ssl.truststore.location", "ssl.truststore.certificates");
    private static final Set<String> DELEGATION_TOKEN_KEYS = Set.of("delegation.token.secret.key",
            "delegation.token.master.key");
    private static final Set<String> ACL_KEYS = Set.of("authorizer.class.name", "super.users",
            "allow.everyone.if.no.acl.found");
    private static final Set<String> TUNING_KEYS = Set.of("security.inter.broker.protocol", "principal.builder.class");

    private SecurityRequest() {
    }

    /** The feature {@code key=value} asks for ("TLS", "ACLs", a protocol name...), or null if none. */
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
        if (DELEGATION_TOKEN_KEYS.contains(key)) {
            return "delegation tokens";
        }
        if (ACL_KEYS.contains(key)) {
            return "ACLs";
        }
        if (key.equals("security.inter.broker.protocol")) {
            String protocol = v.toUpperCase(Locale.ROOT);
            return protocol.equals("SSL") || protocol.equals("SASL_SSL") ? protocol : null;
        }
        if (key.startsWith("listener.name.")) {
            String rest = key.substring("listener.name.".length());
            int dot = rest.indexOf('.');
            String scoped = dot < 0 ? "" : rest.substring(dot + 1);
            if (scoped.startsWith("ssl.")) {
                return "TLS";
            }
        }
        return null;
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
            return scoped.startsWith("sasl.") || scoped.endsWith(".sasl.jaas.config") || scoped.contains(".sasl.");
        }
        return false;
    }

    /** A security key that {@link #requested} nothing: it warns and the broker starts. */
    static boolean isHarmlessSecurityKey(String key) {
        return key.startsWith("ssl.") || TUNING_KEYS.contains(key) || DELEGATION_TOKEN_KEYS.contains(key)
                || ACL_KEYS.contains(key);
    }

    /** The reason of the failure for a key that {@link #requested} something. */
    static String refusal(String key, String feature) {
        return "asks for " + feature + ", but " + NOT_YET + ": remove " + key + " or use Apache Kafka";
    }
}
