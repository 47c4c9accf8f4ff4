package io.logpipe.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.secrets.KeystorePassword;
import io.logpipe.common.secrets.SecretStore;
import io.logpipe.common.tls.ServerKeys;
import io.logpipe.indexer.pipeline.MonitoringApi;
import io.logpipe.testkit.FreePorts;
import io.logpipe.testkit.TestCertificates;
import io.logpipe.testkit.Wait;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appliance asks its indexer's monitoring API (readiness, status) as the indexer's own indexer.yml protects it:
 * https pinned to the certificate of api.ssl.keystore.path, Basic credentials from the indexer's keystore; against
 * the real monitoring API.
 */
class IndexerApiClientTest {
    @TempDir
    Path home;

    private ApplianceConfig config(int port, Path keystore, String password) throws Exception {
        Path settings = Files.createDirectories(home.resolve("conf"));
        SecretStore store = SecretStore.create(settings.resolve("indexer.keystore"), KeystorePassword.from("UNSET",
                n -> null));
        store.put("API_PASSWORD", password);
        store.put("KS_PASSWORD", TestCertificates.STORE_PASSWORD);
        store.save();
        Files.writeString(settings.resolve("indexer.yml"), """
                http.port: %d
                api:
                  ssl:
                    enabled: true
                    keystore.path: "%s"
                    keystore.password: "${KS_PASSWORD}"
                  auth.type: basic
                  auth.basic.username: ops
                  auth.basic.password: "${API_PASSWORD}"
                """.formatted(port, keystore));
        Path file = settings.resolve("appliance.yml");
        Files.writeString(file, "indexer:\n  settings: conf\n  api_port: " + port + "\n");
        return ApplianceConfig.load(home, file);
    }

    @Test
    void httpsPinnedToTheIndexersOwnCertificateWithItsCredentials() throws Exception {
        TestCertificates certs = TestCertificates.generate(home.resolve("certs"));
        // a certificate that does not name 127.0.0.1: the appliance still knows it is its indexer's
        TestCertificates.Issued elsewhere = certs.issue("indexer-elsewhere", "dns:indexer.example", false);
        int port = FreePorts.pick();
        try (MonitoringApi api = MonitoringApi.start("127.0.0.1", port, "central", List.of(),
                new MonitoringApi.Protection(ServerKeys.keystore(elsewhere.keystore(), TestCertificates.STORE_PASSWORD),
                        "ops", "api-pw"))) {
            IndexerApiClient client = IndexerApiClient.of(config(port, elsewhere.keystore(), "api-pw"));
            assertEquals("https://127.0.0.1:" + port, client.base());
            // the first handshake of this JVM may take a while on a busy machine: wait for it, then ask
            Wait.until("the indexer's API answers over https", Duration.ofSeconds(60), Duration.ofMillis(200),
                    () -> client.answers("/"));
            assertTrue(client.answers("/"), client.lastProblem());
            assertEquals("central", client.get("/_node/stats/pipelines").orElseThrow().path("name").asText());

            IndexerApiClient wrong = IndexerApiClient.of(config(port, elsewhere.keystore(), "wrong"));
            assertFalse(wrong.answers("/"));
            assertEquals("HTTP 401 from https://127.0.0.1:" + port + "/", wrong.lastProblem());
            // another certificate than the one in indexer.yml's keystore is not the appliance's indexer
            IndexerApiClient other = IndexerApiClient.of(config(port, certs.serverKeystore(), "api-pw"));
            assertFalse(other.answers("/"));
            assertTrue(other.lastProblem().contains("SSLHandshakeException"), other.lastProblem());
        }
    }
}
