package io.logpipe.indexer.plugins.outputs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.logpipe.common.config.ConfigException;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.plugins.outputs.ElasticsearchOutputs.PendingWrite;
import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.TestCertificates;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS to a real node whose certificate our own CA signed: with the CA file (Logstash 8's
 * {@code ssl_enabled}/{@code ssl_certificate_authorities} or the older {@code ssl}/{@code cacert}) events are indexed;
 * without it, or with another CA, the handshake fails, the output says so, and keeps the events for the next try.
 */
class ElasticsearchOutputTlsTest {
    private static final String USER = "tls-admin";
    private static final String PASSWORD = "tls-admin-password";

    @TempDir
    static Path certificates;
    private static TestCertificates nodeCertificates;
    private static ElasticsearchNode node;

    @TempDir
    Path data;

    @BeforeAll
    static void startNodeWithHttps() {
        nodeCertificates = TestCertificates.generate(certificates.resolve("node"));
        node = ElasticsearchNode.start(ElasticsearchNode.Options.secured("https", USER, PASSWORD)
                .withHttpTls(nodeCertificates));
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    private ElasticsearchOutput output(String settings) {
        return ElasticsearchOutputs.create(settings, data);
    }

    private static String credentials() {
        return " user => \"" + USER + "\" password => \"" + PASSWORD + "\"";
    }

    private static long count(String index) throws Exception {
        ElasticsearchClient client = node.client();
        try {
            client.indices().refresh(r -> r.index(index));
            return client.count(c -> c.index(index)).count();
        } finally {
            client._transport().close();
        }
    }

    @Test
    void indexesOverHttpsTrustingTheCaFileWithLogstash8Settings() throws Exception {
        assertTrue(node.url().startsWith("https://"), node.url());
        try (ElasticsearchOutput output = output("hosts => [\"" + node.url() + "\"] index => \"tls-8\" ssl_enabled => true"
                + " ssl_certificate_authorities => [\"" + nodeCertificates.caCertificate() + "\"]" + credentials())) {
            output.write(List.of(Event.withMessage("a"), Event.withMessage("b"), Event.withMessage("c")));
            assertEquals(3, output.documentsWritten());
            assertEquals(0, output.retries());
        }
        assertEquals(3, count("tls-8"));
    }

    @Test
    void indexesOverHttpsWithTheOlderSslAndCacertSettingsAndAHostWithoutScheme() throws Exception {
        try (ElasticsearchOutput output = output("hosts => \"127.0.0.1:" + node.httpPort() + "\" index => \"tls-7\""
                + " ssl => true cacert => \"" + nodeCertificates.caCertificate() + "\"" + credentials())) {
            output.write(List.of(Event.withMessage("a"), Event.withMessage("b")));
        }
        assertEquals(2, count("tls-7"));
    }

    @Test
    void withoutTheCaTheHandshakeFailsClearlyAndTheEventsWaitForTheNextTry() throws Exception {
        assertHandshakeFailsAndKeepsEvents("hosts => [\"" + node.url() + "\"] ssl_enabled => true");
    }

    @Test
    void withAnotherCaTheHandshakeFailsClearlyAndTheEventsWaitForTheNextTry() throws Exception {
        TestCertificates other = TestCertificates.generate(certificates.resolve("other"));
        assertHandshakeFailsAndKeepsEvents("hosts => [\"" + node.url() + "\"] ssl_certificate_authorities => \""
                + other.caCertificate() + "\"");
    }

    private void assertHandshakeFailsAndKeepsEvents(String settings) throws Exception {
        try (ElasticsearchOutput output = output(settings + " index => \"tls-untrusted\" retry_initial_interval => 0.1"
                + " retry_max_interval => 0.2" + credentials())) {
            PendingWrite write = new PendingWrite(output, List.of(Event.withMessage("kept")));
            assertTrue(write.stillRetryingAfter(output, 2),
                    "the write waits for a handshake that works instead of giving up");
            assertTrue(output.retries() >= 2, "retried: " + output.retries());
            String failure = output.lastFailure();
            assertTrue(failure.startsWith("TLS handshake with Elasticsearch failed"), failure);
            assertTrue(failure.contains("ssl_certificate_authorities"), failure);
            assertTrue(failure.contains("CertPath"), failure);
            assertEquals(0, output.documentsWritten());
            assertEquals(0, output.deadLetterQueue().count(), "a TLS failure is not the event's fault");

            // Shutting down ends the write unacknowledged, so the pipeline reads the event again next time.
            assertInstanceOf(InterruptedException.class, write.interrupt());
        }
    }

    @Test
    void sslEnabledMustAgreeWithTheSchemeOfTheHosts() {
        ConfigException httpWithSsl = assertThrows(ConfigException.class,
                () -> output("hosts => [\"http://127.0.0.1:9200\"] ssl_enabled => true"));
        assertTrue(httpWithSsl.getMessage().startsWith("test.conf:1:61: output 'elasticsearch' setting 'ssl_enabled':"
                + " ssl_enabled is true but host 'http://127.0.0.1:9200' is http://"), httpWithSsl.getMessage());
        ConfigException httpsWithoutSsl = assertThrows(ConfigException.class,
                () -> output("hosts => [\"https://127.0.0.1:9200\"] ssl => false"));
        assertTrue(httpsWithoutSsl.getMessage().contains("setting 'ssl': ssl_enabled is false but host"),
                httpsWithoutSsl.getMessage());
        ConfigException missingCa = assertThrows(ConfigException.class,
                () -> output("hosts => [\"https://127.0.0.1:9200\"] cacert => \"/nonexistent/ca.pem\""));
        assertTrue(missingCa.getMessage().contains("setting 'cacert': ssl_certificate_authorities: cannot read"
                + " /nonexistent/ca.pem"), missingCa.getMessage());
    }
}
