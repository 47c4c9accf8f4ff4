package io.logpipe.queue.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.UnsupportedSaslMechanismException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SASL on a SASL_PLAINTEXT listener with Kafka's keys, for the broker {@code -Dtestkit.broker} names (the bundled
 * queue, or Apache Kafka configured the same way): PLAIN users from the JAAS entry, SCRAM users added through the
 * Admin API on the PLAINTEXT listener, kafka-clients producing and consuming as them, the clients' exact errors for
 * a wrong password and an unknown mechanism, and re-authentication every {@code connections.max.reauth.ms}.
 */
class SaslAuthenticationTest {
    static final long REAUTH_MS = 3000;
    static KafkaBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaBroker.with()
                .listener("SASL", "SASL_PLAINTEXT")
                .listener("PLAINONLY", "SASL_PLAINTEXT")
                .property("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512")
                .property("listener.name.sasl.plain.sasl.jaas.config", SaslClients.PLAIN_JAAS)
                .property("listener.name.sasl.scram-sha-256.sasl.jaas.config", SaslClients.SCRAM_JAAS)
                .property("listener.name.sasl.scram-sha-512.sasl.jaas.config", SaslClients.SCRAM_JAAS)
                .property("listener.name.plainonly.sasl.enabled.mechanisms", "PLAIN")
                .property("listener.name.plainonly.plain.sasl.jaas.config", SaslClients.PLAIN_JAAS)
                .property("connections.max.reauth.ms", Long.toString(REAUTH_MS))
                .start();
        try (Admin admin = broker.admin()) {
            SaslClients.addScramUser(admin, "bob", "bob-secret", ScramMechanism.SCRAM_SHA_256,
                    ScramMechanism.SCRAM_SHA_512);
        }
        // Apache Kafka applies credentials through its metadata log, a moment after the Admin call returned.
        Wait.until("bob can log in with SCRAM-SHA-512", () -> {
            try (Admin admin = SaslClients.admin(sasl("SCRAM-SHA-512", "bob", "bob-secret"))) {
                return !admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty();
            }
        });
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static Map<String, Object> sasl(String mechanism, String user, String password) {
        return SaslClients.settings(broker.bootstrapServers("SASL"), mechanism, user, password);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})
    void aProducerAndAConsumerLoggedInWithEachMechanismWriteAndRead(String mechanism) throws Exception {
        Map<String, Object> settings = mechanism.equals("PLAIN") ? sasl(mechanism, "alice", "alice-secret")
                : sasl(mechanism, "bob", "bob-secret");
        String topic = "sasl-" + mechanism.toLowerCase();
        try (KafkaProducer<String, String> producer = SaslClients.producer(settings)) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(topic, "line " + i)).get(30, TimeUnit.SECONDS);
            }
        }
        try (KafkaConsumer<String, String> consumer = SaslClients.consumer(settings, "group-" + topic)) {
            consumer.subscribe(List.of(topic));
            List<String> values = SaslClients.readValues(consumer, 50);
            assertEquals(50, values.size(), values.toString());
            assertEquals("line 0", values.get(0));
            assertEquals("line 49", values.get(49));
            consumer.commitSync();
        }
    }

    private static Throwable failureOf(Map<String, Object> settings) {
        try (Admin admin = SaslClients.admin(settings)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
            return e.getCause();
        }
    }

    private static String brokerLog() throws Exception {
        return Files.readString(broker.directory().resolve("broker.log"), StandardCharsets.UTF_8);
    }

    @Test
    void aWrongPasswordGetsKafkasMessageAndIsLoggedWithoutThePassword() throws Exception {
        Throwable plain = failureOf(sasl("PLAIN", "alice", "guessed-plain-password"));
        assertInstanceOf(SaslAuthenticationException.class, plain, String.valueOf(plain));
        assertEquals("Authentication failed: Invalid username or password", plain.getMessage());

        Throwable scram = failureOf(sasl("SCRAM-SHA-512", "bob", "guessed-scram-password"));
        assertInstanceOf(SaslAuthenticationException.class, scram, String.valueOf(scram));
        assertEquals("Authentication failed during authentication due to invalid credentials with SASL mechanism"
                + " SCRAM-SHA-512", scram.getMessage());

        Throwable unknownUser = failureOf(sasl("SCRAM-SHA-256", "mallory", "anything"));
        assertInstanceOf(SaslAuthenticationException.class, unknownUser, String.valueOf(unknownUser));
        assertEquals("Authentication failed during authentication due to invalid credentials with SASL mechanism"
                + " SCRAM-SHA-256", unknownUser.getMessage());

        if (broker.kind() == KafkaBroker.Kind.QUEUE) {
            Wait.until("the broker logged the failures", () -> brokerLog().contains("user mallory"));
            String log = brokerLog();
            assertTrue(log.matches("(?s).*SASL authentication failed: client /?127\\.0\\.0\\.1:\\d+ on listener SASL,"
                    + " mechanism PLAIN, user alice: Authentication failed: Invalid username or password.*"), log);
            assertTrue(log.contains("mechanism SCRAM-SHA-512, user bob: Authentication failed during authentication"
                    + " due to invalid credentials with SASL mechanism SCRAM-SHA-512"), log);
        }
        String log = brokerLog();
        assertFalse(log.contains("guessed-plain-password"), log);
        assertFalse(log.contains("guessed-scram-password"), log);
    }

    @Test
    void aMechanismTheListenerDoesNotEnableIsRefusedListingTheEnabledOnes() throws Exception {
        Map<String, Object> settings = SaslClients.settings(broker.bootstrapServers("PLAINONLY"), "SCRAM-SHA-512",
                "bob", "bob-secret");
        Throwable failure = failureOf(settings);
        assertInstanceOf(UnsupportedSaslMechanismException.class, failure, String.valueOf(failure));
        assertEquals("Client SASL mechanism 'SCRAM-SHA-512' not enabled in the server, enabled mechanisms are [PLAIN]",
                failure.getMessage());
        try (Admin admin = SaslClients.admin(SaslClients.settings(broker.bootstrapServers("PLAINONLY"), "PLAIN",
                "alice", "alice-secret"))) {
            assertEquals(1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
        }
    }

    @Test
    void scramUsersAreDescribedWithTheirIterationsNeverTheirSecrets() throws Exception {
        try (Admin admin = broker.admin()) {
            SaslClients.addScramUser(admin, "carol", "carol-secret", ScramMechanism.SCRAM_SHA_512);
            Map<String, UserScramCredentialsDescription> described = admin.describeUserScramCredentials(
                    List.of("bob", "carol")).all().get(30, TimeUnit.SECONDS);
            assertEquals(2, described.get("bob").credentialInfos().size(), described.toString());
            assertEquals("[ScramCredentialInfo{mechanism=SCRAM_SHA_512, iterations=4096}]",
                    described.get("carol").credentialInfos().toString());
            ExecutionException missing = assertThrows(ExecutionException.class, () -> admin
                    .describeUserScramCredentials(List.of("nobody")).description("nobody").get(30, TimeUnit.SECONDS));
            assertInstanceOf(ResourceNotFoundException.class, missing.getCause(), String.valueOf(missing.getCause()));
            admin.alterUserScramCredentials(List.of(new org.apache.kafka.clients.admin.UserScramCredentialDeletion(
                    "carol", ScramMechanism.SCRAM_SHA_512))).all().get(30, TimeUnit.SECONDS);
            Wait.until("carol is gone", () -> !admin.describeUserScramCredentials().all().get(10, TimeUnit.SECONDS)
                    .containsKey("carol"));
        }
        Wait.until("carol can no longer log in", () -> failureOf(sasl("SCRAM-SHA-512", "carol", "carol-secret"))
                instanceof SaslAuthenticationException);
    }

    @Test
    void aLongLivedConsumerKeepsWorkingAcrossReauthentications() throws Exception {
        Map<String, Object> settings = sasl("SCRAM-SHA-512", "bob", "bob-secret");
        String topic = "reauth";
        try (KafkaProducer<String, String> producer = SaslClients.producer(settings);
             KafkaConsumer<String, String> consumer = SaslClients.consumer(settings, "reauth-group")) {
            consumer.subscribe(List.of(topic));
            producer.send(new ProducerRecord<>(topic, "before")).get(30, TimeUnit.SECONDS);
            assertEquals(List.of("before"), SaslClients.readValues(consumer, 1));
            double connectionsBefore = metric(consumer, "connection-creation-total");
            List<String> received = new java.util.ArrayList<>();
            int sent = 0;
            long end = System.nanoTime() + Duration.ofMillis(REAUTH_MS * 3).toNanos();
            while (System.nanoTime() - end < 0) {
                producer.send(new ProducerRecord<>(topic, "during " + sent++)).get(30, TimeUnit.SECONDS);
                consumer.poll(Duration.ofMillis(300)).forEach(r -> received.add(r.value()));
            }
            received.addAll(SaslClients.readValues(consumer, sent - received.size()));
            assertEquals(sent, received.size(), received.toString());
            assertTrue(metric(consumer, "successful-reauthentication-total") >= 2,
                    "re-authentications: " + metric(consumer, "successful-reauthentication-total"));
            assertEquals(0.0, metric(consumer, "failed-reauthentication-total"));
            assertEquals(connectionsBefore, metric(consumer, "connection-creation-total"),
                    "the consumer's connections lived through the re-authentications");
            assertTrue(metric(producer.metrics(), "successful-reauthentication-total") >= 2);
        }
    }

    private static double metric(KafkaConsumer<?, ?> consumer, String name) {
        return metric(consumer.metrics(), name);
    }

    private static double metric(Map<org.apache.kafka.common.MetricName, ? extends Metric> metrics, String name) {
        return metrics.entrySet().stream()
                .filter(e -> e.getKey().name().equals(name) && e.getKey().group().equals("consumer-metrics")
                        || e.getKey().name().equals(name) && e.getKey().group().equals("producer-metrics"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
    }
}
