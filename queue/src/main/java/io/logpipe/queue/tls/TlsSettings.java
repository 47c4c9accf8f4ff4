package io.logpipe.queue.tls;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.logpipe.common.config.ConfigException;

/**
 * The TLS keys of one listener whose protocol is SSL or SASL_SSL, as Kafka resolves them: each {@code ssl.*} key
 * from {@code listener.name.<lowercase listener name>.ssl.*} if set there, else from the global {@code ssl.*} key.
 * Each value remembers the key it came from and where ({@code file:line}), so a certificate problem found when the
 * material is loaded ({@link ServerTls}) names the line to fix. Values are checked for form here; files are read by
 * {@link ServerTls}.
 */
public final class TlsSettings {
    /** The {@code ssl.*} keys a listener uses (Kafka's broker-side SSL keys that apply to one broker). */
    public static final Set<String> KEYS = Set.of("ssl.keystore.type", "ssl.keystore.location",
            "ssl.keystore.password", "ssl.key.password", "ssl.keystore.key", "ssl.keystore.certificate.chain",
            "ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password",
            "ssl.truststore.certificates", "ssl.client.auth", "ssl.enabled.protocols", "ssl.protocol",
            "ssl.cipher.suites", "ssl.principal.mapping.rules", "ssl.keymanager.algorithm",
            "ssl.trustmanager.algorithm");

    /** One resolved value: the text, the key it was read from, and {@code file:line} of that key. */
    public record Value(String text, String key, String where) {
        /** e.g. {@code server.properties:7: listener.name.secure.ssl.keystore.password} */
        public String describe() {
            return where + ": " + key;
        }
    }

    /** Kafka's {@code ssl.client.auth}. */
    public enum ClientAuth {
        REQUIRED, REQUESTED, NONE
    }

    private final String listenerName;
    private final Map<String, Value> values;
    private final ClientAuth clientAuth;
    private final List<String> enabledProtocols;
    private final List<String> cipherSuites;

    /**
     * {@code values}: the resolved value of each key of {@link #KEYS} that is set (blank values count as unset, as
     * in Kafka).
     */
    public TlsSettings(String listenerName, Map<String, Value> values) throws ConfigException {
        this.listenerName = listenerName;
        this.values = Map.copyOf(values);
        String auth = text("ssl.client.auth", "none").toLowerCase(Locale.ROOT);
        this.clientAuth = switch (auth) {
            case "required" -> ClientAuth.REQUIRED;
            case "requested" -> ClientAuth.REQUESTED;
            case "none" -> ClientAuth.NONE;
            default -> throw fail("ssl.client.auth", "'" + auth + "' is not one of required, requested, none");
        };
        this.enabledProtocols = list("ssl.enabled.protocols", "TLSv1.2,TLSv1.3");
        if (enabledProtocols.isEmpty()) {
            throw fail("ssl.enabled.protocols", "names no protocol; use e.g. TLSv1.2,TLSv1.3");
        }
        this.cipherSuites = list("ssl.cipher.suites", "");
        if (!isPem("ssl.keystore.type") && !has("ssl.keystore.location")) {
            String scoped = "listener.name." + listenerName.toLowerCase(Locale.ROOT) + ".ssl.keystore.location";
            throw new ConfigException("listener " + listenerName + " uses TLS but has no keystore: set"
                    + " ssl.keystore.location (or " + scoped + ") to the broker's PKCS12 or JKS keystore, or"
                    + " ssl.keystore.type=PEM with a PEM file there or ssl.keystore.key and"
                    + " ssl.keystore.certificate.chain");
        }
    }

    public String listenerName() {
        return listenerName;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** The value of {@code key}, or null when unset. */
    public Value value(String key) {
        return values.get(key);
    }

    public String text(String key, String defaultValue) {
        Value value = values.get(key);
        return value == null ? defaultValue : value.text();
    }

    /** Kafka's store types are case-insensitive; {@code PEM} is handled by {@link ServerTls} itself. */
    public boolean isPem(String typeKey) {
        return text(typeKey, "JKS").equalsIgnoreCase("PEM");
    }

    public ClientAuth clientAuth() {
        return clientAuth;
    }

    public List<String> enabledProtocols() {
        return enabledProtocols;
    }

    /** Empty: the JDK's default suites. */
    public List<String> cipherSuites() {
        return cipherSuites;
    }

    /** A failure naming the value's {@code file:line} and key. */
    public ConfigException fail(String key, String reason) {
        Value value = values.get(key);
        String where = value == null ? "(default) " + key : value.describe();
        return new ConfigException(where + ": " + reason);
    }

    private List<String> list(String key, String defaultValue) {
        return java.util.Arrays.stream(text(key, defaultValue).split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
