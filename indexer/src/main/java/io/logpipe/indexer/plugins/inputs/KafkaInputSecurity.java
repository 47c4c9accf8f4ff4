package io.logpipe.indexer.plugins.inputs;

import io.logpipe.common.kafka.ClientSecurityError;
import io.logpipe.indexer.plugins.PluginSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kafka input's TLS and SASL options as Logstash spells them ({@code security_protocol}, {@code sasl_*},
 * {@code ssl_truststore_*}, {@code ssl_keystore_*}, {@code ssl_key_password},
 * {@code ssl_endpoint_identification_algorithm}), checked where they are written: an unknown protocol or
 * mechanism, a store that does not exist or does not open with its password, SASL without a JAAS configuration.
 */
final class KafkaInputSecurity {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaInputSecurity.class);
    private static final Pattern JAAS_USER = Pattern.compile("username\\s*=\\s*[\"']([^\"']*)[\"']");

    private final boolean tls;
    private final String mechanism;
    private final String user;
    private final String trusted;

    private KafkaInputSecurity(boolean tls, String mechanism, String user, String trusted) {
        this.tls = tls;
        this.mechanism = mechanism;
        this.user = user;
        this.trusted = trusted;
    }

    /** Reads the options into {@code consumerConfig} (kafka-clients' names). */
    static KafkaInputSecurity read(PluginSettings settings, Map<String, String> consumerConfig) {
        String protocol = settings.oneOf("security_protocol", "PLAINTEXT", "PLAINTEXT", "SSL", "SASL_PLAINTEXT",
                "SASL_SSL");
        consumerConfig.put("security.protocol", protocol);
        boolean sasl = protocol.startsWith("SASL_");
        boolean tls = protocol.endsWith("SSL");
        String mechanism = null;
        String user = null;
        if (settings.has("sasl_client_callback_handler_class")) {
            LOG.warn("{}: kafka input setting 'sasl_client_callback_handler_class' is ignored: use sasl_jaas_config "
                    + "with PLAIN or SCRAM", settings.location("sasl_client_callback_handler_class"));
        }
        String jaas = settings.string("sasl_jaas_config", null);
        String configuredMechanism = settings.string("sasl_mechanism", null);
        if (sasl) {
            mechanism = settings.oneOf("sasl_mechanism", "GSSAPI", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512",
                    "GSSAPI");
            if (mechanism.equals("GSSAPI")) {
                throw settings.error(configuredMechanism == null ? "security_protocol" : "sasl_mechanism",
                        "Kerberos (GSSAPI, Logstash's default sasl_mechanism) is not supported; set sasl_mechanism => "
                        + "\"SCRAM-SHA-512\" (or PLAIN, SCRAM-SHA-256) with sasl_jaas_config");
            }
            if (jaas == null || jaas.isBlank()) {
                throw settings.error("security_protocol", protocol + " needs sasl_jaas_config, e.g. \""
                        + (mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                        : "org.apache.kafka.common.security.scram.ScramLoginModule")
                        + " required username='indexer' password='${KAFKA_PASSWORD}';\"");
            }
            Matcher m = JAAS_USER.matcher(jaas);
            user = m.find() ? m.group(1) : null;
            consumerConfig.put("sasl.mechanism", mechanism);
            consumerConfig.put("sasl.jaas.config", jaas);
        } else if (jaas != null || configuredMechanism != null) {
            LOG.warn("{}: kafka input: sasl_* settings are ignored with security_protocol {}; use SASL_SSL",
                    settings.location(jaas != null ? "sasl_jaas_config" : "sasl_mechanism"), protocol);
        }
        String truststore = store(settings, "ssl_truststore", consumerConfig, "ssl.truststore");
        store(settings, "ssl_keystore", consumerConfig, "ssl.keystore");
        String keyPassword = settings.string("ssl_key_password", null);
        if (keyPassword != null) {
            consumerConfig.put("ssl.key.password", keyPassword);
        }
        String endpoint = settings.string("ssl_endpoint_identification_algorithm", null);
        if (endpoint != null) {
            if (!endpoint.isEmpty() && !endpoint.equalsIgnoreCase("https")) {
                throw settings.error("ssl_endpoint_identification_algorithm", "expected \"https\" (check the "
                        + "broker's hostname, the default) or \"\" (do not) but found \"" + endpoint + "\"");
            }
            consumerConfig.put("ssl.endpoint.identification.algorithm", endpoint.toLowerCase(java.util.Locale.ROOT));
        }
        if (!tls && truststore != null) {
            LOG.warn("{}: kafka input: ssl_truststore_location is ignored with security_protocol {}; use SSL or "
                    + "SASL_SSL", settings.location("ssl_truststore_location"), protocol);
        }
        String trusted = truststore == null ? "the JVM's default CAs (set ssl_truststore_location)"
                : "truststore " + truststore;
        return new KafkaInputSecurity(tls, mechanism, user, trusted);
    }

    /** {@code PREFIX_location}, {@code _password} and {@code _type}; the store must open with its password. */
    private static String store(PluginSettings settings, String prefix, Map<String, String> consumerConfig,
            String kafkaPrefix) {
        String location = settings.string(prefix + "_location", null);
        String password = settings.string(prefix + "_password", null);
        String type = settings.oneOf(prefix + "_type", null, "JKS", "PKCS12", "PEM", "jks", "pkcs12", "pem");
        if (location == null) {
            if (password != null || type != null) {
                throw settings.error(password != null ? prefix + "_password" : prefix + "_type",
                        "needs " + prefix + "_location");
            }
            return null;
        }
        Path path = Path.of(location);
        if (!Files.isRegularFile(path)) {
            throw settings.error(prefix + "_location", location + " does not exist");
        }
        String storeType = type == null ? guessType(path) : type.toUpperCase(java.util.Locale.ROOT);
        if (!storeType.equals("PEM")) {
            try (InputStream in = Files.newInputStream(path)) {
                KeyStore.getInstance(storeType).load(in, password == null ? null : password.toCharArray());
            } catch (IOException | GeneralSecurityException e) {
                String why = e.getCause() instanceof java.security.UnrecoverableKeyException
                        || String.valueOf(e.getMessage()).contains("password")
                        ? "does not open with " + prefix + "_password (wrong password?)"
                        : "is not a " + storeType + " store (" + e.getMessage() + "); set " + prefix + "_type";
                throw settings.error(prefix + "_location", location + " " + why);
            }
        }
        consumerConfig.put(kafkaPrefix + ".location", location);
        consumerConfig.put(kafkaPrefix + ".type", storeType);
        if (password != null) {
            consumerConfig.put(kafkaPrefix + ".password", password);
        }
        return location;
    }

    private static String guessType(Path path) {
        String name = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".p12") || name.endsWith(".pfx") || name.endsWith(".pkcs12")) {
            return "PKCS12";
        }
        return name.endsWith(".pem") || name.endsWith(".crt") ? "PEM" : "JKS";
    }

    /** How error messages name this client. */
    ClientSecurityError.Client client(String bootstrapServers) {
        return new ClientSecurityError.Client(List.of(bootstrapServers.split(",")), tls, trusted, mechanism, user);
    }
}
