package io.logpipe.shipper.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.config.ConfigException;
import io.logpipe.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Filebeat's output.kafka TLS and SASL keys as read from filebeat.yml, and where a wrong one is reported. */
class KafkaSecurityConfigTest {
    private static TestCertificates certs;
    private final List<String> warnings = new ArrayList<>();

    @TempDir
    static Path dir;

    @BeforeAll
    static void certificates() {
        certs = TestCertificates.generate(dir.resolve("certs"));
    }

    private KafkaSecurity security(String yaml) {
        Path file = dir.resolve("conf/filebeat.yml");
        ShipperConfig config = ShipperConfig.from(file, ConfigFile.parse(file.toString(), "output.kafka:\n"
                + "  hosts: ['127.0.0.1:9093']\n  topic: logs\n" + yaml), warnings::add);
        return ((OutputConfig.Kafka) config.output()).security();
    }

    private String fails(String yaml) {
        return assertThrows(ConfigException.class, () -> security(yaml)).getMessage();
    }

    @Test
    void withoutSecurityKeysTheClientSpeaksPlaintext() {
        KafkaSecurity s = security("");
        assertEquals("PLAINTEXT", s.protocol());
        assertNull(s.mechanism());
    }

    @Test
    void aUsernameMeansSaslPlainUnlessAMechanismIsNamedAndSslKeysMeanTls() {
        assertEquals("SASL_PLAINTEXT", security("  username: u\n  password: p\n").protocol());
        assertEquals("PLAIN", security("  username: u\n  password: p\n").mechanism());
        KafkaSecurity s = security("  username: u\n  password: p\n  sasl.mechanism: scram-sha-256\n"
                + "  ssl.certificate_authorities: ['" + certs.caCertificate() + "']\n  ssl.verification_mode: certificate\n");
        assertEquals("SASL_SSL", s.protocol());
        assertEquals("SCRAM-SHA-256", s.mechanism());
        assertEquals(List.of(certs.caCertificate()), s.certificateAuthorities());
        assertEquals("certificate", s.verificationMode());
        assertEquals("PLAINTEXT", security("  ssl.enabled: false\n").protocol());
        assertEquals(List.of(), warnings);
    }

    @Test
    void relativeFilesAreFoundBesideTheConfigFile() throws Exception {
        Files.createDirectories(dir.resolve("conf"));
        Files.copy(certs.caCertificate(), dir.resolve("conf/ca.pem"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals(List.of(dir.resolve("conf/ca.pem")),
                security("  ssl.certificate_authorities: [ca.pem]\n").certificateAuthorities());
    }

    @Test
    void aMissingOrNonPemFileFailsAtItsKey() throws Exception {
        Path file = dir.resolve("conf/filebeat.yml");
        assertEquals(file + ":4:33: output.kafka.ssl.certificate_authorities: " + dir.resolve("nowhere.pem")
                + " does not exist", fails("  ssl.certificate_authorities: ['" + dir.resolve("nowhere.pem") + "']\n"));
        Path notPem = Files.writeString(dir.resolve("ca.txt"), "hello\n");
        assertEquals(file + ":4:33: output.kafka.ssl.certificate_authorities: " + notPem + " is not a PEM file with a "
                + "certificate (no '-----BEGIN CERTIFICATE-----' line)",
                fails("  ssl.certificate_authorities: ['" + notPem + "']\n"));
        assertEquals(file + ":5:12: output.kafka.ssl.key: " + certs.caCertificate() + " is not a PEM file with a "
                + "private key (no '-----BEGIN PRIVATE KEY-----' line)", fails("  ssl.certificate: "
                + certs.serverCertificate() + "\n  ssl.key: " + certs.caCertificate() + "\n"));
        assertTrue(fails("  ssl.certificate: " + certs.serverCertificate() + "\n").endsWith("output.kafka.ssl.certificate: "
                + "a client certificate needs both output.kafka.ssl.certificate and output.kafka.ssl.key"));
    }

    @Test
    void wrongValuesNameTheKeyAndWhatIsAllowed() {
        String file = dir.resolve("conf/filebeat.yml").toString();
        assertEquals(file + ":6:19: output.kafka.sasl.mechanism: 'GSSAPI' is not supported; use PLAIN, SCRAM-SHA-256 "
                + "or SCRAM-SHA-512", fails("  username: u\n  password: p\n  sasl.mechanism: GSSAPI\n"));
        assertEquals(file + ":4:13: output.kafka.username: a username needs output.kafka.password (e.g. password: "
                + "'${KAFKA_PASSWORD}')", fails("  username: u\n"));
        assertEquals(file + ":4:26: output.kafka.ssl.verification_mode: 'maybe' is not a verification mode; use full, "
                + "strict, certificate or none", fails("  ssl.verification_mode: maybe\n"));
        assertEquals(file + ":4:28: output.kafka.ssl.supported_protocols: 'TLSv1.0' is not supported; use TLSv1.2 "
                + "and/or TLSv1.3", fails("  ssl.supported_protocols: [TLSv1.0]\n"));
    }

    @Test
    void verifyingNothingIsSaidOnceAtStart() {
        assertEquals("SSL", security("  ssl.verification_mode: none\n").protocol());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(":4:26: output.kafka.ssl.verification_mode: none: the brokers' "
                + "certificates are not checked at all"), warnings.get(0));
    }
}
