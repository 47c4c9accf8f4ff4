package io.logpipe.shipper.output;

import io.logpipe.common.kafka.AcceptAnyCertificate;
import io.logpipe.common.kafka.ClientSecurityError;
import io.logpipe.shipper.config.KafkaSecurity;
import io.logpipe.shipper.config.OutputConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Provider;
import java.security.Security;
import java.util.List;
import java.util.Properties;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactorySpi;

/**
 * Filebeat's {@code output.kafka} TLS and SASL settings as kafka-clients' properties: PEM files go in as PEM
 * (ssl.truststore.type and ssl.keystore.type PEM, their contents inline), {@code verification_mode} becomes the
 * endpoint identification algorithm (https for full and strict, none for certificate), and {@code none} a trust
 * manager that accepts any certificate.
 */
public final class KafkaClientSecurity {
    /** The trust manager algorithm of {@code verification_mode: none}, registered as a JCA provider on first use. */
    static final String ACCEPT_ANY = "LogpipeAcceptAnyCertificate";

    private KafkaClientSecurity() {
    }

    static void apply(KafkaSecurity s, Properties p) {
        p.put("security.protocol", s.protocol());
        if (s.sasl()) {
            p.put("sasl.mechanism", s.mechanism());
            String module = s.mechanism().equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                    : "org.apache.kafka.common.security.scram.ScramLoginModule";
            p.put("sasl.jaas.config", module + " required username=\"" + jaasQuoted(s.username()) + "\" password=\""
                    + jaasQuoted(s.password()) + "\";");
        }
        if (!s.tls()) {
            return;
        }
        p.put("ssl.enabled.protocols", String.join(",", s.supportedProtocols()));
        p.put("ssl.protocol", s.supportedProtocols().contains("TLSv1.3") ? "TLSv1.3" : "TLSv1.2");
        switch (s.verificationMode()) {
            case "none" -> {
                registerAcceptAny();
                p.put("ssl.trustmanager.algorithm", ACCEPT_ANY);
                p.put("ssl.endpoint.identification.algorithm", "");
            }
            case "certificate" -> p.put("ssl.endpoint.identification.algorithm", "");
            default -> p.put("ssl.endpoint.identification.algorithm", "https");
        }
        if (!s.certificateAuthorities().isEmpty() && !s.verificationMode().equals("none")) {
            StringBuilder certificates = new StringBuilder();
            for (Path ca : s.certificateAuthorities()) {
                certificates.append(read(ca).strip()).append('\n');
            }
            p.put("ssl.truststore.type", "PEM");
            p.put("ssl.truststore.certificates", certificates.toString());
        }
        if (s.certificate() != null) {
            p.put("ssl.keystore.type", "PEM");
            p.put("ssl.keystore.certificate.chain", read(s.certificate()));
            p.put("ssl.keystore.key", read(s.key()));
            if (s.keyPassphrase() != null && !s.keyPassphrase().isEmpty()) {
                p.put("ssl.key.password", s.keyPassphrase());
            }
        }
    }

    /** How error messages name this client: its brokers, its CA files, its SASL user. */
    static ClientSecurityError.Client describe(OutputConfig.Kafka config) {
        KafkaSecurity s = config.security();
        String trusted = s.certificateAuthorities().isEmpty() ? "the JVM's default CAs (set ssl.certificate_authorities)"
                : String.join(", ", s.certificateAuthorities().stream().map(Path::toString).toList());
        return new ClientSecurityError.Client(List.copyOf(config.hosts()), s.tls(), trusted, s.mechanism(),
                s.username());
    }

    private static String jaasQuoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static synchronized void registerAcceptAny() {
        if (Security.getProvider(ACCEPT_ANY) == null) {
            Provider provider = new Provider(ACCEPT_ANY, "1.0", "ssl.verification_mode: none") {
                private static final long serialVersionUID = 1L;
            };
            provider.put("TrustManagerFactory." + ACCEPT_ANY, AcceptAnyFactory.class.getName());
            Security.addProvider(provider);
        }
    }

    /** The trust manager factory of {@code verification_mode: none}: every certificate is accepted. */
    public static final class AcceptAnyFactory extends TrustManagerFactorySpi {
        @Override
        protected void engineInit(KeyStore ks) {
        }

        @Override
        protected void engineInit(ManagerFactoryParameters spec) {
        }

        @Override
        protected TrustManager[] engineGetTrustManagers() {
            return new TrustManager[] {new AcceptAnyCertificate()};
        }
    }
}
