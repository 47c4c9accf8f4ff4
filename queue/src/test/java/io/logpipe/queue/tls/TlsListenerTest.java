package io.logpipe.queue.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.TestCertificates;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SSL listeners with Kafka's keys, proven with real clients against the bundled queue and, with
 * {@code -Dtestkit.broker=kafka}, against Apache Kafka configured the same way. The broker has two TLS listeners:
 * {@code SECURE} (PKCS12 keystore, no client authentication) and {@code MTLS} (PEM keystore file,
 * {@code ssl.client.auth=required} against the test CA), all keys scoped with {@code listener.name.NAME.}, and
 * {@code RELOAD}, whose keystore file a test replaces. The
 * bundled broker's own log lines are checked where the test says so; Kafka words its log differently.
 */
class TlsListenerTest {
    @TempDir
    static Path dir;
    static TestCertificates certificates;
    /** Another CA: trusts nothing of {@link #certificates}, and is trusted by nothing. */
    static TestCertificates stranger;
    static KafkaBroker broker;
    /** The keystore of listener {@code RELOAD}: a copy, so a test can replace it. */
    static Path reloadKeystore;

    @BeforeAll
    static void start() throws Exception {
        certificates = TestCertificates.generate(dir.resolve("certs"));
        stranger = TestCertificates.generate(dir.resolve("stranger"));
        Path pem = dir.resolve("server.pem");
        Files.writeString(pem, Files.readString(certificates.serverKey())
                + Files.readString(certificates.serverCertificate()) + Files.readString(certificates.caCertificate()));
        reloadKeystore = dir.resolve("reload.p12");
        Files.copy(certificates.serverKeystore(), reloadKeystore);
        broker = KafkaBroker.with()
                .listener("SECURE", "SSL")
                .listener("MTLS", "SSL")
                .listener("RELOAD", "SSL")
                .property("listener.name.reload.ssl.keystore.location", reloadKeystore.toString())
                .property("listener.name.reload.ssl.keystore.password", TestCertificates.STORE_PASSWORD)
                .property("listener.name.secure.ssl.keystore.location", certificates.serverKeystore().toString())
                .property("listener.name.secure.ssl.keystore.password", TestCertificates.STORE_PASSWORD)
                .property("listener.name.secure.ssl.key.password", TestCertificates.STORE_PASSWORD)
                .property("listener.name.mtls.ssl.keystore.type", "PEM")
                .property("listener.name.mtls.ssl.keystore.location", pem.toString())
                .property("listener.name.mtls.ssl.truststore.location", certificates.truststore().toString())
                .property("listener.name.mtls.ssl.truststore.password", TestCertificates.STORE_PASSWORD)
                .property("listener.name.mtls.ssl.client.auth", "required")
                .start();
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static boolean bundled() {
        return broker.kind() == KafkaBroker.Kind.QUEUE;
    }

    private static String brokerLog() throws IOException {
        return Files.readString(broker.directory().resolve("broker.log"), StandardCharsets.UTF_8);
    }

    private static Map<String, Object> ssl(String listener, TestCertificates trusted) {
        Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(listener));
        config.put("security.protocol", "SSL");
        config.put("ssl.truststore.location", trusted.truststore().toString());
        config.put("ssl.truststore.password", TestCertificates.STORE_PASSWORD);
        return config;
    }

    private static Map<String, Object> withClientCertificate(Map<String, Object> config, TestCertificates issuer) {
        config.put("ssl.keystore.location", issuer.clientKeystore().toString());
        config.put("ssl.keystore.password", TestCertificates.STORE_PASSWORD);
        config.put("ssl.key.password", TestCertificates.STORE_PASSWORD);
        return config;
    }

    /** Produces {@code count} records of about 200 bytes to {@code topic}, then reads them all back. */
    private static void roundTrip(Map<String, Object> client, String topic, int count) throws Exception {
        Map<String, Object> producerConfig = new HashMap<>(client);
        producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        String padding = "x".repeat(180);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "line " + i + " " + padding));
            }
            producer.flush();
        }
        Map<String, Object> consumerConfig = new HashMap<>(client);
        consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            Wait.until(count + " records of " + topic + " over TLS", Duration.ofSeconds(60), () -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                return values.size() >= count;
            });
        }
        assertEquals(count, values.size());
        for (int i = 0; i < count; i++) {
            assertEquals("line " + i + " " + padding, values.get(i));
        }
    }

    /** What {@code client} gets when it asks for the cluster: the failure's cause. */
    private static Throwable refusal(Map<String, Object> client) {
        client.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        client.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin admin = Admin.create(client)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
            return e.getCause();
        }
    }

    private static String chain(Throwable t) {
        StringBuilder text = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            text.append(c).append(" <- ");
        }
        return text.toString();
    }

    @Test
    void aProducerAndAConsumerWorkOverTlsWithAPkcs12Keystore() throws Exception {
        // 3000 records of 200 bytes: fetch responses far larger than one TLS record and than one chunk of file data
        roundTrip(ssl("SECURE", certificates), "tls-pkcs12", 3000);
    }

    @Test
    void aClientCertificateOpensAPemKeystoreListenerWithRequiredClientAuth() throws Exception {
        roundTrip(withClientCertificate(ssl("MTLS", certificates), certificates), "tls-mtls", 50);
        if (bundled()) {
            Wait.until("the principal of the client certificate in the broker's log", Duration.ofSeconds(10),
                    () -> brokerLog().contains("to listener MTLS://127.0.0.1:" + port("MTLS")
                            + ": client certificate accepted, principal User:" + TestCertificates.CLIENT_SUBJECT));
        }
    }

    @Test
    void withoutAClientCertificateTheRequiredClientAuthListenerRefuses() throws Exception {
        Throwable error = refusal(ssl("MTLS", certificates));
        assertInstanceOf(SslAuthenticationException.class, error, chain(error));
        if (bundled()) {
            Wait.until("the broker's log line", Duration.ofSeconds(10), () -> Pattern.compile(
                    "connection from 127\\.0\\.0\\.1:\\d+ to listener MTLS://127\\.0\\.0\\.1:" + port("MTLS")
                            + ": TLS handshake failed: the client sent no certificate, but ssl.client.auth=required")
                    .matcher(brokerLog()).find());
        }
    }

    @Test
    void aClientCertificateOfAnUnknownCaIsRefused() throws Exception {
        Throwable error = refusal(withClientCertificate(ssl("MTLS", certificates), stranger));
        assertInstanceOf(SslAuthenticationException.class, error, chain(error));
        if (bundled()) {
            Wait.until("the broker's log line", Duration.ofSeconds(10), () -> brokerLog().contains(
                    ": TLS handshake failed: the client's certificate is not signed by a CA of "
                            + certificates.truststore() + " (listener.name.mtls.ssl.truststore.location)"));
        }
    }

    @Test
    void aClientThatDoesNotTrustTheBrokersCaSaysWhichCertificateProblem() throws Exception {
        Throwable error = refusal(ssl("SECURE", stranger));
        assertInstanceOf(SslAuthenticationException.class, error, chain(error));
        // "PKIX path building failed" for a CA of another name, "PKIX path validation failed" for one of the same name
        // (JDK 17.0.21 puts the TLS alert first: "SSLHandshakeException: (bad_certificate) PKIX path ...")
        assertTrue(chain(error).matches("(?s).*SSLHandshakeException: (\\([a-z_]+\\) )?PKIX path .*"), chain(error));
        if (bundled()) {
            Wait.until("the broker's log line", Duration.ofSeconds(10), () -> brokerLog().contains(
                    "to listener SECURE://127.0.0.1:" + port("SECURE") + ": TLS handshake failed: the client refused"
                            + " this broker's certificate"));
        }
    }

    @Test
    void aPlaintextClientOnTheTlsPortIsClosedAndLoggedAndOthersAreServed() throws Exception {
        int localPort;
        try (Socket plain = new Socket("127.0.0.1", port("SECURE"))) {
            localPort = plain.getLocalPort();
            plain.setSoTimeout(30_000);
            OutputStream out = plain.getOutputStream();
            // An ApiVersions v0 request as a PLAINTEXT client starts: size, key 18, version 0, correlation id, no client id.
            out.write(new byte[] {0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, -1, -1});
            out.flush();
            InputStream in = plain.getInputStream();
            int read;
            try {
                byte[] answer = new byte[4096];
                int n;
                do {
                    n = in.read(answer);
                } while (n > 0 && answer[0] == 0x15); // a TLS alert record may come before the close
                read = n;
            } catch (java.net.SocketException reset) {
                read = -1;
            }
            assertEquals(-1, read, "the broker answered a PLAINTEXT client on its SSL port instead of closing");
        }
        if (bundled()) {
            Wait.until("the broker's log line", Duration.ofSeconds(10), () -> brokerLog().contains(
                    "connection from 127.0.0.1:" + localPort + " to listener SECURE://127.0.0.1:" + port("SECURE")
                            + ": TLS handshake failed: the client does not speak TLS (its first bytes are not a TLS"
                            + " record: a PLAINTEXT client on an SSL listener? set security.protocol=SSL on the client);"
                            + " closed"));
        }
        roundTrip(ssl("SECURE", certificates), "tls-after-plaintext", 5);
    }

    @Test
    void kcatProducesAndConsumesOverTlsAndWithAClientCertificate() throws Exception {
        String ca = certificates.caCertificate().toString();
        kcat("one\ntwo\nthree\n", "-b", broker.bootstrapServers("SECURE"), "-X", "security.protocol=ssl", "-X",
                "ssl.ca.location=" + ca, "-P", "-t", "tls-kcat");
        String consumed = kcat("", "-b", broker.bootstrapServers("SECURE"), "-X", "security.protocol=ssl", "-X",
                "ssl.ca.location=" + ca, "-C", "-t", "tls-kcat", "-o", "beginning", "-c", "3", "-e");
        assertEquals("one\ntwo\nthree\n", consumed);
        String metadata = kcat("", "-b", broker.bootstrapServers("MTLS"), "-X", "security.protocol=ssl", "-X",
                "ssl.ca.location=" + ca, "-X", "ssl.certificate.location=" + certificates.clientCertificate(), "-X",
                "ssl.key.location=" + certificates.clientKey(), "-L");
        // Metadata lists the broker at the address of the listener asked, not the first listener's.
        assertTrue(metadata.contains("at 127.0.0.1:" + port("MTLS")), metadata);
    }

    @Test
    void aReplacedKeystoreIsUsedForNewConnectionsWithoutARestart() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(bundled(),
                "Apache Kafka reads changed certificates only when told to (kafka-configs --alter)");
        roundTrip(ssl("RELOAD", certificates), "tls-reload-before", 3);
        Path replacement = dir.resolve("reload.p12.new");
        Files.copy(stranger.serverKeystore(), replacement);
        Files.move(replacement, reloadKeystore, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Wait.until("the broker's log line", Duration.ofSeconds(60), () -> brokerLog().contains(
                "listener RELOAD: certificates reloaded from [" + reloadKeystore + "]; new connections use them"));
        // The new certificate is signed by the other CA: only a client trusting that CA gets through now.
        roundTrip(ssl("RELOAD", stranger), "tls-reload-after", 3);
        Throwable error = refusal(ssl("RELOAD", certificates));
        assertInstanceOf(SslAuthenticationException.class, error, chain(error));
    }

    @Test
    void aWrongKeystorePasswordStopsTheStartNamingTheKey() {
        RuntimeException e = assertThrows(RuntimeException.class, () -> KafkaBroker.with()
                .listener("SECURE", "SSL")
                .property("listener.name.secure.ssl.keystore.location", certificates.serverKeystore().toString())
                .property("listener.name.secure.ssl.keystore.password", "not-the-password")
                .start().close());
        String message = String.valueOf(e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
        java.util.regex.Matcher log = Pattern.compile("see (\\S+broker\\.log)").matcher(message);
        assertTrue(log.find(), message);
        if (bundled()) {
            String text = readQuietly(Path.of(log.group(1)));
            assertTrue(Pattern.compile("queue-server: cannot start: \\S+server\\.properties:\\d+:"
                    + " listener\\.name\\.secure\\.ssl\\.keystore\\.password: keystore "
                    + Pattern.quote(certificates.serverKeystore().toString()) + ": wrong password").matcher(text).find(),
                    text);
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int port(String listener) {
        String address = broker.bootstrapServers(listener);
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    private static String kcat(String stdin, String... args) throws IOException, InterruptedException {
        return io.logpipe.queue.Kcat.run(stdin, List.of(args));
    }
}
