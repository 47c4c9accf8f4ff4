package io.logpipe.queue.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.TestCertificates;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout of issue 15 for app hosts: a SASL_SSL listener (TLS with the broker's certificate, then SCRAM-SHA-512
 * users managed through the Admin API) beside the loopback PLAINTEXT one. The same on the bundled broker and on
 * Apache Kafka ({@code -Dtestkit.broker=kafka}).
 */
class SaslSslTest {
    static Path dir;
    static TestCertificates certificates;
    static KafkaBroker broker;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("sasl-ssl");
        certificates = TestCertificates.generate(dir.resolve("certs"));
        broker = KafkaBroker.with().listener("SECURE", "SASL_SSL")
                .property("listener.name.secure.ssl.keystore.location", certificates.serverKeystore().toString())
                .property("listener.name.secure.ssl.keystore.password", TestCertificates.STORE_PASSWORD)
                .property("listener.name.secure.ssl.key.password", TestCertificates.STORE_PASSWORD)
                .property("sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .property("listener.name.secure.scram-sha-512.sasl.jaas.config", SaslClients.SCRAM_JAAS)
                .start();
        try (Admin admin = broker.admin()) {
            SaslClients.addScramUser(admin, "shipper", "shipper-secret", ScramMechanism.SCRAM_SHA_512);
        }
        // Apache Kafka applies new credentials through its metadata log, a moment after the call.
        Wait.until("shipper can log in over SASL_SSL", () -> {
            try (Admin admin = SaslClients.admin(settings("shipper", "shipper-secret"))) {
                return !admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty();
            } catch (ExecutionException notYet) {
                return false;
            }
        });
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    static Map<String, Object> settings(String user, String password) {
        Map<String, Object> settings = SaslClients.settings(broker.bootstrapServers("SECURE"), "SCRAM-SHA-512", user,
                password);
        settings.put("security.protocol", "SASL_SSL");
        settings.put("ssl.truststore.location", certificates.truststore().toString());
        settings.put("ssl.truststore.password", TestCertificates.STORE_PASSWORD);
        return settings;
    }

    @Test
    void aScramUserProducesAndConsumesOverTls() throws Exception {
        broker.createTopic("sasl-ssl-logs", 1);
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = SaslClients.producer(settings("shipper", "shipper-secret"))) {
            for (int i = 0; i < 2000; i++) {
                String line = "line " + i + " " + "x".repeat(300);
                sent.add(line);
                producer.send(new ProducerRecord<>("sasl-ssl-logs", line));
            }
            producer.flush();
        }
        try (var consumer = SaslClients.consumer(settings("shipper", "shipper-secret"), "sasl-ssl-readers")) {
            consumer.subscribe(List.of("sasl-ssl-logs"));
            assertEquals(sent, SaslClients.readValues(consumer, sent.size()));
        }
    }

    @Test
    void aWrongPasswordIsRefusedAfterTheHandshakeWithKafkasMessage() {
        try (KafkaProducer<String, String> producer = SaslClients.producer(settings("shipper", "guessed"))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("sasl-ssl-logs", "never")).get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof SaslAuthenticationException, String.valueOf(e.getCause()));
            assertTrue(e.getCause().getMessage().contains("invalid credentials with SASL mechanism SCRAM-SHA-512"),
                    e.getCause().getMessage());
        }
    }
}
