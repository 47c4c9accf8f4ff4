package io.logpipe.indexer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.config.ConfigException;
import io.logpipe.common.secrets.KeystorePassword;
import io.logpipe.common.secrets.SecretStore;
import io.logpipe.indexer.pipeline.MonitoringApi;
import io.logpipe.testkit.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring API's Logstash 8 security settings, read from a real indexer.yml (secrets from the indexer's
 * keystore) and served by the real API to java.net.http clients, with certificates made at test time.
 */
class MonitoringApiSecurityTest {
    @TempDir
    static Path certsDir;
    static TestCertificates certs;

    @TempDir
    Path dir;

    @BeforeAll
    static void certificates() {
        certs = TestCertificates.generate(certsDir);
    }

    /** Writes indexer.yml, with API_USER/API_PASSWORD/KS_PASSWORD in the indexer keystore, and reads it as the indexer. */
    private ApiSettings settings(String yaml) throws IOException {
        SecretStore store = SecretStore.create(dir.resolve(Indexer.KEYSTORE), KeystorePassword.from("UNSET", n -> null));
        store.put("API_USER", "ops");
        store.put("API_PASSWORD", "s3cret:with colon");
        store.put("KS_PASSWORD", TestCertificates.STORE_PASSWORD);
        store.save();
        Files.writeString(dir.resolve("indexer.yml"), yaml);
        return ApiSettings.from(IndexerSettings.load(dir.resolve("indexer.yml"), Indexer.variables(dir.toString())));
    }

    private static String secured(String host, Path keystore) {
        return """
                api.http.host: %s
                api.http.port: 0
                api.ssl.enabled: true
                api.ssl.keystore.path: "%s"
                api.ssl.keystore.password: "${KS_PASSWORD}"
                api.auth.type: basic
                api.auth.basic.username: "${API_USER}"
                api.auth.basic.password: "${API_PASSWORD}"
                """.formatted(host, keystore);
    }

    private static MonitoringApi start(ApiSettings api) throws Exception {
        return MonitoringApi.start(api.host(), api.port(), "node-a", List.of(), api.protection());
    }

    private static HttpResponse<String> get(HttpClient client, String url, String user, String password)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8)));
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpClient trustingTheCa() {
        return HttpClient.newBuilder().sslContext(certs.clientContext()).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void httpsWithTheCaAndTheKeystoreCredentialsAnswersTheStatsAndNothingWithoutThem() throws Exception {
        ApiSettings api = settings(secured("127.0.0.1", certs.serverKeystore()));
        try (MonitoringApi server = start(api)) {
            String stats = "https://127.0.0.1:" + server.port() + "/_node/stats/pipelines";
            HttpClient client = trustingTheCa();

            HttpResponse<String> ok = get(client, stats, "ops", "s3cret:with colon");
            assertEquals(200, ok.statusCode(), ok.body());
            assertTrue(ok.body().contains("\"name\":\"node-a\"") && ok.body().contains("\"pipelines\":{}"), ok.body());
            assertEquals("https://127.0.0.1:" + server.port(), api.url(server.port()));

            HttpResponse<String> none = get(client, stats, null, null);
            assertEquals(401, none.statusCode());
            assertEquals(List.of("Basic realm=\"logstash-api\""), none.headers().allValues("WWW-Authenticate"));
            assertTrue(none.body().contains("authentication required"), none.body());
            assertFalse(none.body().contains("pipelines\":{"), none.body());

            HttpResponse<String> wrong = get(client, stats, "ops", "s3cret");
            assertEquals(401, wrong.statusCode());
            assertEquals(List.of("Basic realm=\"logstash-api\""), wrong.headers().allValues("WWW-Authenticate"));
            assertEquals(401, get(client, stats, "admin", "s3cret:with colon").statusCode());
            // the scheme's case does not matter (RFC 7617)
            HttpResponse<String> lower = client.send(HttpRequest.newBuilder(URI.create(stats)).header("Authorization",
                    "basic " + Base64.getEncoder().encodeToString("ops:s3cret:with colon".getBytes(StandardCharsets.UTF_8)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, lower.statusCode());
        }
    }

    @Test
    void plainHttpToTheTlsPortAndAClientWithoutTheCaGetNoAnswer() throws Exception {
        try (MonitoringApi server = start(settings(secured("127.0.0.1", certs.serverKeystore())))) {
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            // the TLS port closes a connection that does not start with a TLS handshake: no HTTP answer at all
            assertThrows(IOException.class, () -> get(plain, "http://127.0.0.1:" + server.port() + "/", "ops",
                    "s3cret:with colon"));
            // a client that trusts only the JDK's CAs refuses the test CA's certificate
            assertThrows(SSLHandshakeException.class, () -> get(HttpClient.newHttpClient(),
                    "https://127.0.0.1:" + server.port() + "/", "ops", "s3cret:with colon"));
        }
    }

    @Test
    void aJksKeystoreServesAsWellAsPkcs12() throws Exception {
        Path jks = dir.resolve("server.jks");
        char[] password = TestCertificates.STORE_PASSWORD.toCharArray();
        KeyStore p12 = KeyStore.getInstance(certs.serverKeystore().toFile(), password);
        KeyStore store = KeyStore.getInstance("JKS");
        store.load(null, null);
        for (String alias : Collections.list(p12.aliases())) {
            if (p12.isKeyEntry(alias)) {
                store.setKeyEntry(alias, p12.getKey(alias, password), password, p12.getCertificateChain(alias));
            } else {
                store.setCertificateEntry(alias, p12.getCertificate(alias));
            }
        }
        try (OutputStream out = Files.newOutputStream(jks)) {
            store.store(out, password);
        }
        try (MonitoringApi server = start(settings(secured("127.0.0.1", jks)))) {
            HttpResponse<String> ok = get(trustingTheCa(), "https://127.0.0.1:" + server.port() + "/", "ops",
                    "s3cret:with colon");
            assertEquals(200, ok.statusCode(), ok.body());
            assertTrue(ok.body().contains("\"name\":\"node-a\""), ok.body());
        }
    }

    @Test
    void boundElsewhereWithCredentialsItStartsAndAsksForThem() throws Exception {
        try (MonitoringApi server = start(settings(secured("0.0.0.0", certs.serverKeystore())))) {
            String root = "https://127.0.0.1:" + server.port() + "/";
            assertEquals(401, get(trustingTheCa(), root, null, null).statusCode());
            assertEquals(200, get(trustingTheCa(), root, "ops", "s3cret:with colon").statusCode());
        }
    }

    @Test
    void boundElsewhereWithoutCredentialsTheStartFailsNamingTheKey() throws Exception {
        ConfigException error = assertThrows(ConfigException.class, () -> settings("""
                api.http.host: 0.0.0.0
                api.http.port: 9600
                """));
        assertEquals(dir.resolve("indexer.yml") + ":1:16: `api.http.host` 0.0.0.0 is not a loopback address, so the"
                + " monitoring API must ask for credentials: set `api.auth.type: basic` with `api.auth.basic.username`"
                + " and `api.auth.basic.password` (and `api.ssl.enabled: true` so that they do not cross the network"
                + " in clear), or bind it to 127.0.0.1", error.getMessage());
        // the older http.host is held to the same rule, and named as written; TLS alone is not enough
        ConfigException older = assertThrows(ConfigException.class, () -> settings("""
                http.host: 10.1.2.3
                api.ssl.enabled: true
                api.ssl.keystore.path: "%s"
                api.ssl.keystore.password: "${KS_PASSWORD}"
                """.formatted(certs.serverKeystore())));
        assertTrue(older.getMessage().startsWith(dir.resolve("indexer.yml") + ":1:12: `http.host` 10.1.2.3 is not a"
                + " loopback address"), older.getMessage());
        // and the indexer's start (here -t) stops there, before any pipeline
        Files.writeString(dir.resolve("indexer.yml"), "api:\n  http:\n    host: 0.0.0.0\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ConfigException run = assertThrows(ConfigException.class, () -> Indexer.run(new String[] {"-t", "-e",
                "output { stdout { } }", "--path.settings", dir.toString()}, new PrintStream(out), new PrintStream(out)));
        assertTrue(run.getMessage().startsWith(dir.resolve("indexer.yml") + ":3:11: `api.http.host` 0.0.0.0 is not a"
                + " loopback address"), run.getMessage());
    }

    @Test
    void aWrongKeystorePasswordOrPathFailsTheStartNamingTheFileAndTheKey() throws Exception {
        Path yml = dir.resolve("indexer.yml");
        ConfigException password = assertThrows(ConfigException.class, () -> settings("""
                api.ssl.enabled: true
                api.ssl.keystore.path: "%s"
                api.ssl.keystore.password: not-the-password
                """.formatted(certs.serverKeystore())));
        assertTrue(password.getMessage().startsWith(yml + ":3:28: `api.ssl.keystore.password`: cannot open the"
                + " keystore " + certs.serverKeystore() + " with this password"), password.getMessage());

        Path missing = dir.resolve("no-such.p12");
        ConfigException path = assertThrows(ConfigException.class, () -> settings("""
                api.ssl.enabled: true
                api.ssl.keystore.path: "%s"
                api.ssl.keystore.password: x
                """.formatted(missing)));
        assertEquals(yml + ":2:24: `api.ssl.keystore.path`: " + missing + " does not exist or is not a file",
                path.getMessage());

        // a PEM certificate is not a keystore
        ConfigException pem = assertThrows(ConfigException.class, () -> settings("""
                api.ssl.enabled: true
                api.ssl.keystore.path: "%s"
                api.ssl.keystore.password: x
                """.formatted(certs.serverCertificate())));
        assertEquals(yml + ":2:24: `api.ssl.keystore.path`: " + certs.serverCertificate()
                + " is not a PKCS12 or JKS keystore", pem.getMessage());

        // a truststore holds no key to serve with
        ConfigException trust = assertThrows(ConfigException.class, () -> settings("""
                api.ssl.enabled: true
                api.ssl.keystore.path: "%s"
                api.ssl.keystore.password: "${KS_PASSWORD}"
                """.formatted(certs.truststore())));
        assertTrue(trust.getMessage().startsWith(yml + ":2:24: `api.ssl.keystore.path`: " + certs.truststore()
                + " holds no private key"), trust.getMessage());
    }

    @Test
    void missingAndWrongValuesAreNamedAsLogstashNamesThem() throws Exception {
        Path yml = dir.resolve("indexer.yml");
        ConfigException noPath = assertThrows(ConfigException.class, () -> settings("api.ssl.enabled: true\n"));
        assertEquals(yml + ":1:18: setting `api.ssl.keystore.path` is required when `api.ssl.enabled` is `true`",
                noPath.getMessage());
        ConfigException noUser = assertThrows(ConfigException.class, () -> settings("api.auth.type: basic\n"));
        assertEquals(yml + ":1:16: setting `api.auth.basic.username` is required when `api.auth.type` is `basic`",
                noUser.getMessage());
        ConfigException noPassword = assertThrows(ConfigException.class, () -> settings(
                "api.auth.type: basic\napi.auth.basic.username: ops\n"));
        assertEquals(yml + ":1:16: setting `api.auth.basic.password` is required when `api.auth.type` is `basic`",
                noPassword.getMessage());
        ConfigException type = assertThrows(ConfigException.class, () -> settings("api.auth.type: digest\n"));
        assertEquals(yml + ":1:16: `api.auth.type` must be `none` or `basic`, not `digest`", type.getMessage());
        ConfigException bool = assertThrows(ConfigException.class, () -> settings("api.ssl.enabled: yes please\n"));
        assertEquals(yml + ":1:18: `api.ssl.enabled` must be true or false, not `yes please`", bool.getMessage());
    }

    @Test
    void theDefaultsAreLoopbackPlainHttpWithoutLoginAndApiEnabledFalseTurnsItOff() throws Exception {
        ApiSettings defaults = settings("");
        assertTrue(defaults.enabled());
        assertEquals("127.0.0.1", defaults.host());
        assertEquals(9600, defaults.port());
        assertEquals(MonitoringApi.Protection.NONE, defaults.protection());
        assertFalse(settings("api.enabled: false\n").enabled());
        // off, it may be bound anywhere: nothing listens
        assertFalse(settings("api.enabled: false\napi.http.host: 0.0.0.0\n").enabled());
    }
}
