package io.logpipe.shipper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.secrets.KeystorePassword;
import io.logpipe.common.secrets.SecretStore;
import io.logpipe.shipper.testing.Harness;
import io.logpipe.shipper.testing.ShipperProcess;
import io.logpipe.shipper.testing.TopicReader;
import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.ScramListener;
import io.logpipe.testkit.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code output.kafka} with Filebeat's TLS and SASL keys against a broker (of the kind -Dtestkit.broker names) with
 * three secured listeners: SECURE (SASL_SSL, SCRAM-SHA-512), OTHER (SSL, a certificate only for broker.example) and
 * MTLS (SSL, client certificates required), ACLs on. {@code bin/shipper test output} names exactly what is wrong.
 */
class KafkaSecurityTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String USER = "shipper";
    private static final String PASSWORD = "s3cret-\"quoted\"";
    private static TestCertificates certs;
    private static TestCertificates strangerCa;
    private static TestCertificates.Issued client;
    private static KafkaBroker broker;

    @TempDir
    Path work;

    @BeforeAll
    static void broker(@TempDir Path dir) throws Exception {
        certs = TestCertificates.generate(dir.resolve("certs"));
        strangerCa = TestCertificates.generate(dir.resolve("stranger"));
        TestCertificates.Issued otherHost = certs.issue("other-host", "dns:broker.example", false);
        client = certs.issue("client", "dns:shipper.example", false);
        broker = ScramListener.add(KafkaBroker.with(), "SECURE", certs)
                .listener("OTHER", "SSL")
                .property("listener.name.other.ssl.keystore.location", otherHost.keystore().toString())
                .property("listener.name.other.ssl.keystore.password", TestCertificates.STORE_PASSWORD)
                .property("listener.name.other.ssl.key.password", TestCertificates.STORE_PASSWORD)
                .listener("MTLS", "SSL")
                .property("listener.name.mtls.ssl.keystore.location", certs.serverKeystore().toString())
                .property("listener.name.mtls.ssl.keystore.password", TestCertificates.STORE_PASSWORD)
                .property("listener.name.mtls.ssl.key.password", TestCertificates.STORE_PASSWORD)
                .property("listener.name.mtls.ssl.truststore.location", certs.truststore().toString())
                .property("listener.name.mtls.ssl.truststore.password", TestCertificates.STORE_PASSWORD)
                .property("listener.name.mtls.ssl.client.auth", "required")
                // ACLs on: the PLAINTEXT listener (ANONYMOUS, the test's own admin and reader) and the certificate
                // user may do anything; the SCRAM user only what its ACLs allow.
                .property("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .property("super.users", "User:ANONYMOUS;User:CN=client")
                .start();
        ScramListener.addUser(broker, USER, PASSWORD);
        broker.createTopic("secure-logs", 1);
        broker.createTopic("forbidden-logs", 1);
        broker.createTopic("keystore-logs", 1);
        try (Admin admin = broker.admin()) {
            admin.createAcls(List.of(allow("keystore-logs", AclOperation.WRITE),
                    allow("keystore-logs", AclOperation.DESCRIBE), allow("secure-logs", AclOperation.WRITE),
                    allow("secure-logs", AclOperation.DESCRIBE), allow("forbidden-logs", AclOperation.DESCRIBE))).all().get();
        }
    }

    private static AclBinding allow(String topic, AclOperation operation) {
        return new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                new AccessControlEntry("User:" + USER, "*", operation, AclPermissionType.ALLOW));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static String output(String hosts, String security) {
        return "output.kafka:\n  hosts: ['" + hosts + "']\n  topic: secure-logs\n" + security;
    }

    private String scram(String password) {
        return "  username: " + USER + "\n  password: '" + password.replace("'", "''") + "'\n"
                + "  sasl.mechanism: SCRAM-SHA-512\n  ssl.certificate_authorities: ['" + certs.caCertificate() + "']\n";
    }

    private String testOutput(String output) throws Exception {
        Path config = work.resolve("shipper.yml");
        Files.writeString(config, "filebeat.inputs:\n  - paths: ['" + work + "/*.log']\npath.data: " + work.resolve("data")
                + "\n" + output);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Shipper.run(new String[] {"test", "output", "-c", config.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        return code + "\n" + text;
    }

    @Test
    void linesTravelOverSaslSslWithScramAndAConsumerReadsThem() throws Exception {
        Path logs = Files.createDirectories(work.resolve("logs"));
        Files.writeString(logs.resolve("app.log"), "first secured line\nsecond secured line\n");
        String inputs = "  - type: log\n    paths: ['" + logs.resolve("app.log") + "']\n    scan_frequency: 100ms\n";
        try (Harness h = Harness.start(work, inputs, output(broker.bootstrapServers("SECURE"), scram(PASSWORD))
                + "  required_acks: -1\n");
             TopicReader reader = new TopicReader(broker.bootstrapServers(), "secure-logs")) {
            Files.writeString(logs.resolve("app.log"), "third secured line\n", StandardOpenOption.APPEND);
            assertEquals(List.of("first secured line", "second secured line", "third secured line"),
                    TopicReader.messages(reader.awaitRecords(3, WAIT)));
        }
    }

    @Test
    void aShipperProcessLogsInWithThePasswordFromItsKeystore() throws Exception {
        Path data = work.resolve("data");
        SecretStore keystore = SecretStore.create(data.resolve("shipper.keystore"),
                KeystorePassword.from("SHIPPER_KEYSTORE_PASS", name -> "keystore pass"));
        keystore.put("KAFKA_PASSWORD", PASSWORD);
        keystore.save();
        Path logs = Files.createDirectories(work.resolve("logs"));
        Files.writeString(logs.resolve("app.log"), "a line shipped with a keystore password\n");
        Path config = work.resolve("shipper.yml");
        Files.writeString(config, "filebeat.inputs:\n  - type: log\n    paths: ['" + logs.resolve("app.log") + "']\n"
                + "    scan_frequency: 100ms\npath.data: " + data + "\n"
                + "output.kafka:\n  hosts: ['" + broker.bootstrapServers("SECURE") + "']\n  topic: keystore-logs\n"
                + "  username: " + USER + "\n  password: '${KAFKA_PASSWORD}'\n  sasl.mechanism: SCRAM-SHA-512\n"
                + "  ssl.certificate_authorities: ['" + certs.caCertificate() + "']\n");
        Path log = work.resolve("shipper.log");
        Process shipper = ShipperProcess.start(config, log, Map.of("SHIPPER_KEYSTORE_PASS", "keystore pass"));
        try (TopicReader reader = new TopicReader(broker.bootstrapServers(), "keystore-logs")) {
            assertEquals(List.of("a line shipped with a keystore password"),
                    TopicReader.messages(reader.awaitRecords(1, WAIT)), () -> read(log));
        } finally {
            shipper.destroy();
            shipper.waitFor();
        }
        assertTrue(!read(log).contains(PASSWORD), "the password is never logged: " + read(log));

        String sasl = testOutputWithKeystorePassword(config, "keystore pass");
        assertTrue(sasl.startsWith("0\n"), sasl);
        assertTrue(sasl.contains("security: SASL_SSL, SCRAM-SHA-512 as user 'shipper'"), sasl);
        String wrong = testOutputWithKeystorePassword(config, "not the keystore pass");
        assertEquals("1\nshipper: " + data.resolve("shipper.keystore") + ": wrong keystore password (from"
                + " SHIPPER_KEYSTORE_PASS): the keystore cannot be decrypted with it\n", wrong);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    private static String testOutputWithKeystorePassword(Path config, String password) throws Exception {
        ShipperProcess.Result r = ShipperProcess.run(Map.of("SHIPPER_KEYSTORE_PASS", password), null,
                "test", "output", "-c", config.toString());
        return r.code() + "\n" + r.output();
    }

    @Test
    void testOutputPassesWithTheRightCredentialsAndAClientCertificate() throws Exception {
        String sasl = testOutput(output(broker.bootstrapServers("SECURE"), scram(PASSWORD)));
        assertTrue(sasl.startsWith("0\n"), sasl);
        assertTrue(sasl.contains("security: SASL_SSL, SCRAM-SHA-512 as user 'shipper', trusting "
                + certs.caCertificate() + ", verification full"), sasl);
        assertTrue(sasl.contains("topic secure-logs: exists, 1 partition(s)"), sasl);

        String mtls = testOutput(output(broker.bootstrapServers("MTLS"), "  ssl.certificate_authorities: ['"
                + certs.caCertificate() + "']\n  ssl.certificate: " + client.certificate() + "\n  ssl.key: "
                + client.key() + "\n"));
        assertTrue(mtls.startsWith("0\n"), mtls);
        assertTrue(mtls.contains("client certificate " + client.certificate()), mtls);
        assertTrue(mtls.contains(" broker(s)"), mtls);
    }

    @Test
    void aMissingWriteAclIsNamedWithUserAndTopic() throws Exception {
        String result = testOutput(output(broker.bootstrapServers("SECURE"), scram(PASSWORD))
                .replace("topic: secure-logs", "topic: forbidden-logs"));
        assertTrue(result.startsWith("1\n"), result);
        assertTrue(result.contains("ERROR not authorized: user 'shipper' may not write topic forbidden-logs at "
                + broker.bootstrapServers("SECURE") + " (an ACL must allow WRITE on it)"), result);
    }

    @Test
    void aWrongPasswordIsNamedWithMechanismAndUser() throws Exception {
        String result = testOutput(output(broker.bootstrapServers("SECURE"), scram("wrong")));
        assertTrue(result.startsWith("1\n"), result);
        assertTrue(result.contains("ERROR SASL authentication failed at " + broker.bootstrapServers("SECURE")
                + ": mechanism SCRAM-SHA-512, user 'shipper': "), result);
    }

    @Test
    void aBrokerCertificateFromAnotherCaIsAnUnknownCa() throws Exception {
        String result = testOutput(output(broker.bootstrapServers("SECURE"), scram(PASSWORD).replace(
                certs.caCertificate().toString(), strangerCa.caCertificate().toString())));
        assertTrue(result.startsWith("1\n"), result);
        assertTrue(result.contains("ERROR TLS handshake with " + broker.bootstrapServers("SECURE") + " failed: unknown "
                + "CA: the broker's certificate is not signed by " + strangerCa.caCertificate()
                + " (it is issued by CN=logpipe test CA)"), result);
    }

    @Test
    void aCertificateForAnotherNameIsAHostnameMismatchUnlessOnlyTheCaIsVerified() throws Exception {
        String tls = "  ssl.certificate_authorities: ['" + certs.caCertificate() + "']\n";
        String result = testOutput(output(broker.bootstrapServers("OTHER"), tls));
        assertTrue(result.startsWith("1\n"), result);
        assertTrue(result.contains("ERROR TLS handshake with " + broker.bootstrapServers("OTHER") + " failed: hostname "
                + "mismatch: the certificate is for broker.example, connecting to 127.0.0.1"), result);

        String caOnly = testOutput(output(broker.bootstrapServers("OTHER"), tls + "  ssl.verification_mode: certificate\n"));
        assertTrue(caOnly.startsWith("0\n"), caOnly);
        String none = testOutput(output(broker.bootstrapServers("OTHER"), "  ssl.verification_mode: none\n"));
        assertTrue(none.startsWith("0\n"), none);
        assertTrue(none.contains("ssl.verification_mode: none: the brokers' certificates are not checked"), none);
    }

    @Test
    void plaintextToATlsPortAndTlsToAPlaintextPortAreNamed() throws Exception {
        String plain = testOutput(output(broker.bootstrapServers("SECURE"), ""));
        assertTrue(plain.startsWith("1\n"), plain);
        assertTrue(plain.contains("ERROR " + broker.bootstrapServers("SECURE") + " speaks TLS, but the client is "
                + "configured for PLAINTEXT (no TLS)"), plain);

        String tls = testOutput(output(broker.bootstrapServers(), "  ssl.certificate_authorities: ['"
                + certs.caCertificate() + "']\n"));
        assertTrue(tls.startsWith("1\n"), tls);
        assertTrue(tls.contains("ERROR " + broker.bootstrapServers() + " does not speak TLS on this port (a "
                + "PLAINTEXT or SASL_PLAINTEXT listener?)"), tls);
    }

    @Test
    void aBrokerRequiringAClientCertificateSaysSo() throws Exception {
        String result = testOutput(output(broker.bootstrapServers("MTLS"), "  ssl.certificate_authorities: ['"
                + certs.caCertificate() + "']\n"));
        assertTrue(result.startsWith("1\n"), result);
        assertTrue(result.contains("ERROR TLS handshake with " + broker.bootstrapServers("MTLS") + " failed: the broker "
                + "refused the connection without a client certificate it trusts"), result);
    }
}
