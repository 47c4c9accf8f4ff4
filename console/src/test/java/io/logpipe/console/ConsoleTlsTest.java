package io.logpipe.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.logpipe.common.tls.ServerKeys;
import io.logpipe.console.auth.PasswordHash;
import io.logpipe.console.config.ConsoleConfig;
import io.logpipe.console.es.ElasticsearchRest;
import io.logpipe.console.web.ConsoleServer;
import io.logpipe.indexer.pipeline.MonitoringApi;
import io.logpipe.testkit.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console over HTTPS (Kibana's server.ssl.* with PEM files), and its pipeline page reading the indexer's
 * monitoring API over HTTPS with HTTP Basic credentials, on {@link ConsoleFixture}'s real pipeline; certificates are
 * made at test time, clients are java.net.http's.
 */
class ConsoleTlsTest {
    @TempDir
    static Path certsDir;
    static TestCertificates certs;

    @TempDir
    Path dir;

    @BeforeAll
    static void certificates() {
        certs = TestCertificates.generate(certsDir);
    }

    /** console.yml for the fixture's pipeline, plus {@code extra} lines; INDEXER_PW is "api-pw". */
    private ConsoleConfig config(ConsoleFixture f, String extra) throws Exception {
        Path file = dir.resolve("console.yml");
        Files.writeString(file, """
                server.port: 0
                elasticsearch.hosts: ["%s"]
                kafka.bootstrap_servers: "%s"
                pipelines.path: "%s"
                retention.config: "%s"
                indexer.dead_letter_queue: "%s"
                """.formatted(f.node.url(), f.broker.bootstrapServers(), f.dir.resolve("pipelines/*.conf"),
                f.dir.resolve("retention.yml"), f.dir.resolve("indexer/dead_letter_queue")) + extra);
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        ConsoleConfig config = ConsoleConfig.load(file, Map.of("INDEXER_PW", "api-pw")::get,
                new PrintStream(warnings, true, StandardCharsets.UTF_8));
        assertEquals("", warnings.toString(StandardCharsets.UTF_8));
        return config;
    }

    private static HttpClient trustingTheCa() {
        return HttpClient.newBuilder().sslContext(certs.clientContext()).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void theConsoleSpeaksHttpsWithPemFilesAndItsSessionCookieIsSecure() throws Exception {
        ConsoleFixture f = ConsoleFixture.shared();
        ConsoleConfig config = config(f, """
                server.host: 0.0.0.0
                server.ssl.enabled: true
                server.ssl.certificate: "%s"
                server.ssl.key: "%s"
                console.users:
                  - username: ops
                    password_hash: "%s"
                """.formatted(certs.serverCertificate(), certs.serverKey(), PasswordHash.hash("s3cret".toCharArray())));
        try (ConsoleServer console = ConsoleServer.start(config, System::getenv, Clock.systemUTC(), "test")) {
            String base = "https://127.0.0.1:" + console.port();
            HttpClient https = trustingTheCa();
            HttpResponse<String> status = https.send(HttpRequest.newBuilder(URI.create(base + "/api/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, status.statusCode(), status.body());
            assertTrue(ElasticsearchRest.JSON.readTree(status.body()).path("login_required").asBoolean(), status.body());

            HttpResponse<String> login = https.send(HttpRequest.newBuilder(URI.create(base + "/api/login"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"ops\",\"password\":\"s3cret\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, login.statusCode(), login.body());
            String cookie = login.headers().firstValue("set-cookie").orElseThrow();
            assertTrue(cookie.contains("; Secure"), "over https the session cookie is never sent in clear: " + cookie);

            // plain http to the TLS port gets no HTTP answer; a client without the CA refuses the certificate
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + console.port() + "/api/status")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()));
            assertThrows(javax.net.ssl.SSLHandshakeException.class, () -> HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(base + "/api/status")).build(), HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void thePipelinePageReadsAnIndexerApiWithTlsAndBasicAuth() throws Exception {
        ConsoleFixture f = ConsoleFixture.shared();
        MonitoringApi.Protection protection = new MonitoringApi.Protection(
                ServerKeys.keystore(certs.serverKeystore(), TestCertificates.STORE_PASSWORD), "console", "api-pw");
        try (MonitoringApi api = f.monitoringApi(protection)) {
            String url = "https://127.0.0.1:" + api.port();
            String indexer = """
                    indexer.api: %s
                    indexer.username: console
                    indexer.ssl.certificateAuthorities: ["%s"]
                    """.formatted(url, certs.caCertificate());

            JsonNode ok = indexerStage(config(f, indexer + "indexer.password: \"${INDEXER_PW}\"\n"));
            assertEquals("ok", ok.path("status").asText(), ok.toString());
            assertFalse(ok.has("reason"), ok.toString());
            // the fixture's 32 lines went through this pipeline: the figures are the indexer's, read over https
            long out = ok.path("events_out").asLong();
            assertTrue(out >= 32 && ok.path("events_in").asLong() >= out, ok.toString());

            JsonNode wrong = indexerStage(config(f, indexer + "indexer.password: guess\n"));
            assertEquals("stalled", wrong.path("status").asText(), wrong.toString());
            assertEquals("indexer monitoring API " + url + " refuses the credentials of indexer.username (401): check"
                    + " indexer.username and indexer.password", wrong.path("reason").asText());

            JsonNode untrusted = indexerStage(config(f, "indexer.api: " + url + "\nindexer.username: console\n"
                    + "indexer.password: \"${INDEXER_PW}\"\n"));
            assertEquals("stalled", untrusted.path("status").asText(), untrusted.toString());
            String reason = untrusted.path("reason").asText();
            assertTrue(reason.startsWith("indexer monitoring API " + url + ": TLS handshake failed since ")
                    && reason.endsWith("; check indexer.ssl.certificateAuthorities"), reason);
        }
    }

    /** The indexer's box of /api/pipeline of a loopback console started with {@code config}. */
    private static JsonNode indexerStage(ConsoleConfig config) throws Exception {
        try (ConsoleServer console = ConsoleServer.start(config, System::getenv, Clock.systemUTC(), "test")) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + console.port() + "/api/pipeline")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            for (JsonNode stage : ElasticsearchRest.JSON.readTree(r.body()).path("stages")) {
                if (stage.path("id").asText().equals("indexer")) {
                    return stage;
                }
            }
            throw new AssertionError("no indexer stage in " + r.body());
        }
    }
}
