package io.logpipe.console.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.config.ConfigException;
import io.logpipe.testkit.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * console.yml's TLS settings in Kibana's keys: server.ssl.* (PEM or PKCS12) and how the console reaches the indexer's
 * API (indexer.username/password, indexer.ssl.certificateAuthorities); what is wrong names the key and the file.
 */
class ConsoleTlsConfigTest {
    @TempDir
    static Path certsDir;
    static TestCertificates certs;

    @TempDir
    Path dir;
    private final ByteArrayOutputStream warnings = new ByteArrayOutputStream();

    @BeforeAll
    static void certificates() {
        certs = TestCertificates.generate(certsDir);
    }

    private ConsoleConfig load(String yaml) throws Exception {
        Path file = dir.resolve("console.yml");
        Files.writeString(file, yaml);
        return ConsoleConfig.load(file, Map.of("KS_PASS", TestCertificates.STORE_PASSWORD)::get,
                new PrintStream(warnings, true, StandardCharsets.UTF_8));
    }

    private Path yml() {
        return dir.resolve("console.yml");
    }

    @Test
    void pemCertificateAndKeyOrAPkcs12KeystoreTurnTlsOn() throws Exception {
        assertNull(load("").serverKeys());
        ConsoleConfig pem = load("""
                server.ssl.enabled: true
                server.ssl.certificate: "%s"
                server.ssl.key: "%s"
                """.formatted(certs.serverCertificate(), certs.serverKey()));
        assertTrue(pem.tls());
        ConsoleConfig keystore = load("""
                server:
                  ssl:
                    enabled: true
                    keystore:
                      path: "%s"
                      password: "${KS_PASS}"
                """.formatted(certs.serverKeystore()));
        assertTrue(keystore.tls());
        assertEquals("", warnings.toString());
        // off, the ssl keys are said to be ignored
        ConsoleConfig off = load("server.ssl.certificate: \"%s\"\n".formatted(certs.serverCertificate()));
        assertNull(off.serverKeys());
        assertEquals(yml() + ":1:25: setting 'server.ssl.certificate' is ignored because server.ssl.enabled is not"
                + " true\n", warnings.toString());
    }

    @Test
    void anEncryptedPkcs8KeyOpensWithServerSslKeyPassphraseOnly() throws Exception {
        // made as Kibana users make theirs (openssl 3's default: PBES2, PBKDF2 with HMAC-SHA256, AES-256-CBC)
        Path key = dir.resolve("encrypted.key");
        Process openssl = new ProcessBuilder("openssl", "pkcs8", "-topk8", "-in", certs.serverKey().toString(),
                "-out", key.toString(), "-passout", "pass:key-pass", "-v2", "aes-256-cbc").redirectErrorStream(true)
                .start();
        String said = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, openssl.waitFor(), said);
        assertTrue(Files.readString(key).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        String yaml = """
                server.ssl.enabled: true
                server.ssl.certificate: "%s"
                server.ssl.key: "%s"
                """.formatted(certs.serverCertificate(), key);
        assertTrue(load(yaml + "server.ssl.keyPassphrase: key-pass\n").tls());
        ConfigException none = assertThrows(ConfigException.class, () -> load(yaml));
        assertEquals(yml() + ":3:17: server.ssl.key: " + key + " is encrypted: set server.ssl.keyPassphrase",
                none.getMessage());
        ConfigException wrong = assertThrows(ConfigException.class, () -> load(yaml + "server.ssl.keyPassphrase: nope\n"));
        assertTrue(wrong.getMessage().startsWith(yml() + ":4:27: server.ssl.keyPassphrase: cannot decrypt " + key
                + " with this passphrase"), wrong.getMessage());
    }

    @Test
    void aWrongKeystorePasswordNamesTheKeyAndTheFile() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                server.ssl.enabled: true
                server.ssl.keystore.path: "%s"
                server.ssl.keystore.password: wrong
                """.formatted(certs.serverKeystore())));
        assertTrue(e.getMessage().startsWith(yml() + ":3:31: server.ssl.keystore.password: cannot open the keystore "
                + certs.serverKeystore() + " with this password"), e.getMessage());
    }

    @Test
    void missingOrWrongPemFilesNameTheKeyAndTheFile() {
        Path missing = dir.resolve("nope.crt");
        ConfigException noCert = assertThrows(ConfigException.class, () -> load("""
                server.ssl.enabled: true
                server.ssl.certificate: "%s"
                server.ssl.key: "%s"
                """.formatted(missing, certs.serverKey())));
        assertEquals(yml() + ":2:25: server.ssl.certificate: " + missing + " does not exist", noCert.getMessage());
        // the certificate given as the key
        ConfigException notAKey = assertThrows(ConfigException.class, () -> load("""
                server.ssl.enabled: true
                server.ssl.certificate: "%s"
                server.ssl.key: "%s"
                """.formatted(certs.serverCertificate(), certs.serverCertificate())));
        assertEquals(yml() + ":3:17: server.ssl.key: " + certs.serverCertificate() + " holds no PEM private key (no"
                + " '-----BEGIN PRIVATE KEY-----')", notAKey.getMessage());
        ConfigException neither = assertThrows(ConfigException.class, () -> load("server.ssl.enabled: true\n"));
        assertEquals(yml() + ":1:21: server.ssl.enabled is true: give server.ssl.certificate and server.ssl.key"
                + " (PEM), or server.ssl.keystore.path (PKCS12)", neither.getMessage());
        ConfigException both = assertThrows(ConfigException.class, () -> load("""
                server.ssl.enabled: true
                server.ssl.keystore.path: "%s"
                server.ssl.certificate: "%s"
                """.formatted(certs.serverKeystore(), certs.serverCertificate())));
        assertTrue(both.getMessage().startsWith(yml() + ":3:25: cannot use server.ssl.certificate when"
                + " server.ssl.keystore.path is set"), both.getMessage());
        ConfigException passphrase = assertThrows(ConfigException.class, () -> load("""
                server.ssl.enabled: true
                server.ssl.certificate: "%s"
                server.ssl.key: "%s"
                server.ssl.keyPassphrase: x
                """.formatted(certs.serverCertificate(), certs.serverKey())));
        assertEquals(yml() + ":4:27: server.ssl.keyPassphrase: " + certs.serverKey() + " is not encrypted: remove"
                + " the passphrase", passphrase.getMessage());
    }

    @Test
    void theIndexersCredentialsAndCertificateAuthorities() throws Exception {
        assertEquals(ConsoleConfig.IndexerAccess.NONE, load("").indexerAccess());
        ConsoleConfig c = load("""
                indexer.api: https://indexer.example:9600
                indexer.username: console
                indexer.password: "${KS_PASS}"
                indexer.ssl.certificateAuthorities: ["%s"]
                """.formatted(certs.caCertificate()));
        assertEquals(URI.create("https://indexer.example:9600"), c.indexerApi());
        assertEquals("console", c.indexerAccess().username());
        assertEquals(TestCertificates.STORE_PASSWORD, c.indexerAccess().password());
        assertNotNull(c.indexerAccess().sslContext());
        assertEquals("user console", c.indexerAccess().toString(), "never the password");
        assertEquals("", warnings.toString());

        Path missing = dir.resolve("ca-missing.crt");
        ConfigException ca = assertThrows(ConfigException.class, () -> load("""
                indexer.api: https://indexer.example:9600
                indexer.ssl.certificateAuthorities: "%s"
                """.formatted(missing)));
        assertEquals(yml() + ":2:37: indexer.ssl.certificateAuthorities: " + missing + " does not exist",
                ca.getMessage());
        ConfigException half = assertThrows(ConfigException.class, () -> load("indexer.username: console\n"));
        assertTrue(half.getMessage().startsWith(yml() + ":1:19: indexer.password is needed too"), half.getMessage());
    }
}
