package io.logpipe.queue.config;

import io.logpipe.common.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.security.auth.login.AppConfigurationEntry;

import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.plain.PlainLoginModule;
import org.apache.kafka.common.security.scram.ScramLoginModule;

/**
 * The SASL settings of one SASL_PLAINTEXT listener, in Apache Kafka's keys. The mechanisms come from
 * {@code listener.name.NAME.sasl.enabled.mechanisms}, else {@code sasl.enabled.mechanisms} (Kafka's default, GSSAPI,
 * is Kerberos, which this broker does not have: the key must be set). Each mechanism's broker-side JAAS entry comes
 * from {@code listener.name.NAME.MECHANISM.sasl.jaas.config} (NAME and MECHANISM in lower case, as Kafka writes them),
 * else from {@code sasl.jaas.config}, and is parsed by kafka-clients' own {@link JaasContext}: one login module,
 * {@link PlainLoginModule} for PLAIN (its {@code user_NAME="password"} options are PLAIN's users) and
 * {@link ScramLoginModule} for SCRAM (no options; SCRAM's users are the stored credentials). Apache Kafka ignores
 * an unprefixed {@code sasl.jaas.config} on a broker; this broker accepts it, warning once, so a file meant for both
 * should use the prefixed keys.
 */
public record SaslListener(String listenerName, List<String> mechanisms, Map<String, AppConfigurationEntry> jaasEntries) {
    public static final List<String> SUPPORTED = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

    /** The PLAIN users of this listener's JAAS entry: {@code user_NAME="password"}. */
    public Map<String, String> plainUsers() {
        Map<String, String> users = new LinkedHashMap<>();
        AppConfigurationEntry entry = jaasEntries.get("PLAIN");
        if (entry != null) {
            entry.getOptions().forEach((k, v) -> {
                if (k.startsWith("user_")) {
                    users.put(k.substring("user_".length()), String.valueOf(v));
                }
            });
        }
        return users;
    }

    static Map<String, SaslListener> readAll(BrokerConfig.Reader r, List<BrokerConfig.Endpoint> listeners)
            throws ConfigException {
        Map<String, SaslListener> result = new LinkedHashMap<>();
        boolean warnedUnprefixed = false;
        for (BrokerConfig.Endpoint listener : listeners) {
            if (listener.securityProtocol() != SecurityProtocol.SASL_PLAINTEXT
                    && listener.securityProtocol() != SecurityProtocol.SASL_SSL) {
                continue;
            }
            String prefix = "listener.name." + listener.listenerName().toLowerCase(Locale.ROOT) + ".";
            String mechanismsKey = r.has(prefix + "sasl.enabled.mechanisms") ? prefix + "sasl.enabled.mechanisms"
                    : "sasl.enabled.mechanisms";
            String mechanismsValue = r.string(mechanismsKey, "GSSAPI");
            List<String> mechanisms = new ArrayList<>();
            for (String item : mechanismsValue.split(",")) {
                String mechanism = item.strip().toUpperCase(Locale.ROOT);
                if (mechanism.isEmpty() || mechanisms.contains(mechanism)) {
                    continue;
                }
                if (!SUPPORTED.contains(mechanism)) {
                    throw r.fail(mechanismsKey, mechanism + (r.has(mechanismsKey) ? "" : " (Kafka's default)")
                            + " is not supported by this broker, which has " + String.join(", ", SUPPORTED)
                            + "; set " + mechanismsKey + " to those the listener " + listener.listenerName()
                            + " should offer");
                }
                mechanisms.add(mechanism);
            }
            if (mechanisms.isEmpty()) {
                throw r.fail(mechanismsKey, "enables no mechanism for the SASL listener " + listener.listenerName()
                        + "; give one or more of " + String.join(", ", SUPPORTED));
            }
            Map<String, AppConfigurationEntry> entries = new LinkedHashMap<>();
            for (String mechanism : mechanisms) {
                String jaasKey = prefix + mechanism.toLowerCase(Locale.ROOT) + ".sasl.jaas.config";
                if (!r.has(jaasKey)) {
                    if (!r.has("sasl.jaas.config")) {
                        throw r.fail(mechanismsKey, "enables " + mechanism + " on listener " + listener.listenerName()
                                + " but " + jaasKey + " is not set; add " + jaasKey + "=" + example(mechanism));
                    }
                    jaasKey = "sasl.jaas.config";
                    if (!warnedUnprefixed) {
                        warnedUnprefixed = true;
                        r.warn(jaasKey, "is used for " + mechanism + " on listener " + listener.listenerName()
                                + "; Apache Kafka ignores it on a broker, write " + prefix
                                + mechanism.toLowerCase(Locale.ROOT) + ".sasl.jaas.config instead");
                    }
                }
                entries.put(mechanism, parse(r, jaasKey, listener.listenerName(), mechanism));
            }
            SaslListener sasl = new SaslListener(listener.listenerName(), List.copyOf(mechanisms), Map.copyOf(entries));
            if (mechanisms.contains("PLAIN") && sasl.plainUsers().isEmpty()) {
                r.warn(prefix + "plain.sasl.jaas.config", "lists no user_NAME=\"password\" option: nobody can log in "
                        + "with PLAIN on listener " + listener.listenerName());
            }
            result.put(listener.listenerName(), sasl);
        }
        return Map.copyOf(result);
    }

    private static AppConfigurationEntry parse(BrokerConfig.Reader r, String key, String listenerName,
                                               String mechanism) throws ConfigException {
        String text = r.secret(key);
        List<AppConfigurationEntry> parsed;
        try {
            parsed = JaasContext.loadServerContext(ListenerName.normalised(listenerName), mechanism,
                    Map.of(mechanism.toLowerCase(Locale.ROOT) + ".sasl.jaas.config", new Password(text)))
                    .configurationEntries();
        } catch (IllegalArgumentException e) {
            throw r.fail(key, "is not a valid JAAS entry (" + e.getMessage() + "); write it as " + example(mechanism));
        }
        if (parsed.size() != 1) {
            throw r.fail(key, "has " + parsed.size() + " login modules; give exactly one: " + example(mechanism));
        }
        AppConfigurationEntry entry = parsed.get(0);
        String expected = mechanism.equals("PLAIN") ? PlainLoginModule.class.getName() : ScramLoginModule.class.getName();
        if (!entry.getLoginModuleName().equals(expected)) {
            throw r.fail(key, "names login module " + entry.getLoginModuleName() + ", but " + mechanism
                    + " on this broker takes " + expected + ": " + example(mechanism));
        }
        return entry;
    }

    private static String example(String mechanism) {
        return mechanism.equals("PLAIN")
                ? PlainLoginModule.class.getName() + " required user_alice=\"alice-secret\";"
                : ScramLoginModule.class.getName() + " required;";
    }
}
