package io.logpipe.queue.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.logpipe.queue.config.BrokerConfig;
import io.logpipe.common.config.ConfigException;
import io.logpipe.queue.config.PropertiesFile;
import io.logpipe.testkit.TestCertificates;
import io.vertx.core.http.ClientAuth;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS listener's keys, read as Kafka reads them, and every mistake in them named with file:line, the key and what
 * to fix, before the broker binds a port.
 */
class ServerTlsTest {
    @TempDir
    static Path dir;
    static TestCertificates certificates;
    static Path pemKeystore;

    @BeforeAll
    static void generate() throws Exception {
        certificates = TestCertificates.generate(dir.resolve("certs"));
        pemKeystore = dir.resolve("server.pem");
        Files.writeString(pemKeystore, Files.readString(certificates.serverKey())
                + Files.readString(certificates.serverCertificate()) + Files.readString(certificates.caCertificate()));
    }

    private static BrokerConfig config(String text) throws ConfigException {
        return BrokerConfig.load(PropertiesFile.parse("server.properties", List.of(text.split("\n"))), List.of());
    }

    /** The settings of the listener SECURE of {@code text} (which declares it). */
    private static TlsSettings secure(String text) throws ConfigException {
        BrokerConfig config = config("listeners=PLAINTEXT://127.0.0.1:9092,SECURE://127.0.0.1:9093\n"
                + "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SECURE:SSL\n" + text);
        return config.tls(config.listeners().get(1));
    }

    private static String failure(String text) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ServerTls.load(secure(text), Instant.now()));
        return e.getMessage();
    }

    private static String p12() {
        return "ssl.keystore.location=" + certificates.serverKeystore() + "\nssl.keystore.password="
                + TestCertificates.STORE_PASSWORD + "\n";
    }

    @Test
    void listenerScopedKeysOverrideTheGlobalOnes() throws Exception {
        TlsSettings settings = secure(p12() + """
                ssl.client.auth=none
                listener.name.secure.ssl.client.auth=required
                listener.name.secure.ssl.enabled.protocols=TLSv1.3
                """ + "ssl.truststore.location=" + certificates.truststore() + "\nssl.truststore.password="
                + TestCertificates.STORE_PASSWORD + "\n");
        assertEquals(TlsSettings.ClientAuth.REQUIRED, settings.clientAuth());
        assertEquals("server.properties:6", settings.value("ssl.client.auth").where());
        assertEquals("listener.name.secure.ssl.client.auth", settings.value("ssl.client.auth").key());
        ServerTls tls = ServerTls.load(settings, Instant.now());
        assertEquals(ClientAuth.REQUIRED, tls.options().getClientAuth());
        assertEquals(java.util.Set.of("TLSv1.3"), tls.options().getEnabledSecureTransportProtocols());
        assertEquals(List.of(), tls.warnings());
    }

    @Test
    void pkcs12JksDefaultAndPemKeystoresAllLoad() throws Exception {
        // Kafka's default type is JKS; the JDK's JKS reader also reads PKCS12 files, so an unset type works too.
        ServerTls.load(secure(p12()), Instant.now());
        ServerTls.load(secure(p12() + "ssl.keystore.type=PKCS12\n"), Instant.now());
        ServerTls.load(secure("ssl.keystore.type=PEM\nssl.keystore.location=" + pemKeystore + "\n"), Instant.now());
        String key = Files.readString(certificates.serverKey()).replace("\n", "\\n");
        String chain = Files.readString(certificates.serverCertificate()).replace("\n", "\\n");
        ServerTls.load(secure("ssl.keystore.type=PEM\nssl.keystore.key=" + key
                + "\nssl.keystore.certificate.chain=" + chain + "\n"), Instant.now());
        ServerTls.load(secure(p12() + "ssl.truststore.type=PEM\nssl.truststore.location="
                + certificates.caCertificate() + "\nssl.client.auth=requested\n"), Instant.now());
    }

    @Test
    void aMissingKeystoreNamesTheLineAndTheFile() {
        String m = failure("ssl.keystore.location=/etc/kafka/missing.p12\nssl.keystore.password=x\n");
        assertEquals("server.properties:3: ssl.keystore.location: /etc/kafka/missing.p12 does not exist; give the"
                + " path of the broker's keystore", m);
        ConfigException e = assertThrows(ConfigException.class, () -> secure("ssl.client.auth=required\n"));
        assertTrue(e.getMessage().startsWith("listener SECURE uses TLS but has no keystore: set ssl.keystore.location"
                + " (or listener.name.secure.ssl.keystore.location)"), e.getMessage());
    }

    @Test
    void aWrongStorePasswordIsNamedAsSuch() {
        String m = failure("ssl.keystore.location=" + certificates.serverKeystore()
                + "\nssl.keystore.password=wrong\n");
        assertEquals("server.properties:4: ssl.keystore.password: keystore " + certificates.serverKeystore()
                + ": wrong password", m);
        m = failure(p12() + "listener.name.secure.ssl.truststore.location=" + certificates.truststore()
                + "\nlistener.name.secure.ssl.truststore.password=nope\n");
        assertEquals("server.properties:6: listener.name.secure.ssl.truststore.password: truststore "
                + certificates.truststore() + ": wrong password", m);
    }

    @Test
    void aWrongKeyPasswordIsNamedAsSuch() {
        String m = failure(p12() + "ssl.key.password=not-the-key-password\n");
        assertTrue(m.startsWith("server.properties:5: ssl.key.password: keystore " + certificates.serverKeystore()
                + ": wrong password for the private key 'server'"), m);
    }

    @Test
    void aKeystoreWithoutPrivateKeyIsRefused() {
        String m = failure("ssl.keystore.location=" + certificates.truststore() + "\nssl.keystore.password="
                + TestCertificates.STORE_PASSWORD + "\n");
        assertTrue(m.startsWith("server.properties:3: ssl.keystore.location: keystore " + certificates.truststore()
                + " holds no private key (only trusted certificates)"), m);
        m = failure("ssl.keystore.type=PEM\nssl.keystore.location=" + certificates.caCertificate() + "\n");
        assertTrue(m.startsWith("server.properties:4: ssl.keystore.location: cannot read the PEM key and"
                + " certificate chain of " + certificates.caCertificate()), m);
    }

    @Test
    void kafkasPemRulesAndValueFormsAreEnforced() {
        String m = failure("ssl.keystore.type=PEM\nssl.keystore.location=" + pemKeystore
                + "\nssl.keystore.password=x\n");
        assertTrue(m.startsWith("server.properties:5: ssl.keystore.password: a PEM keystore has no store password"), m);
        m = failure(p12() + "ssl.enabled.protocols=TLSv1.3,TLSv9\n");
        assertTrue(m.startsWith("server.properties:5: ssl.enabled.protocols: 'TLSv9' is not a protocol this JVM"
                + " speaks"), m);
        m = failure(p12() + "ssl.cipher.suites=TLS_NOT_A_SUITE\n");
        assertTrue(m.startsWith("server.properties:5: ssl.cipher.suites: 'TLS_NOT_A_SUITE' is not a cipher suite"), m);
        m = failure(p12() + "ssl.protocol=TLSv7\n");
        assertTrue(m.startsWith("server.properties:5: ssl.protocol: 'TLSv7' is not a TLS protocol"), m);
        m = failure(p12() + "ssl.principal.mapping.rules=RULE:broken\n");
        assertTrue(m.startsWith("server.properties:5: ssl.principal.mapping.rules: "), m);
        ConfigException e = assertThrows(ConfigException.class, () -> secure(p12() + "ssl.client.auth=sometimes\n"));
        assertEquals("server.properties:5: ssl.client.auth: 'sometimes' is not one of required, requested, none",
                e.getMessage());
    }

    @Test
    void anExpiredCertificateWarnsAndTheListenerStillLoads() throws Exception {
        ServerTls tls = ServerTls.load(secure(p12()), Instant.now().plus(Duration.ofDays(400)));
        assertEquals(2, tls.warnings().size(), tls.warnings().toString());
        assertTrue(tls.warnings().get(0).startsWith("server.properties:3: ssl.keystore.location: certificate CN=localhost"
                + " in " + certificates.serverKeystore() + " expired on "), tls.warnings().get(0));
        assertTrue(tls.warnings().get(0).endsWith("; clients will refuse listener SECURE until it is renewed"),
                tls.warnings().get(0));
        assertTrue(tls.warnings().get(1).contains("certificate CN=logpipe test CA in "), tls.warnings().get(1));
    }

    @Test
    void tlsKeysWithoutATlsListenerWarnInOneLine() throws Exception {
        BrokerConfig config = config("ssl.keystore.location=/etc/kafka/x.p12\nlistener.name.other.ssl.client.auth"
                + "=required\nssl.endpoint.identification.algorithm=https\n");
        assertEquals(List.of(
                "server.properties:1: ssl.keystore.location applies to SSL listeners and this broker has none; ignored",
                "server.properties:2: listener.name.other.ssl.client.auth names a listener that is not an SSL"
                        + " listener of this broker; ignored",
                "server.properties:3: ssl.endpoint.identification.algorithm is not used by this broker's SSL listeners"
                        + " (a client or inter-broker setting, or a JVM default this broker keeps); ignored"),
                config.warnings());
    }
}
