package io.logpipe.queue.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.RawClient;
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
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SASL on a SASL_PLAINTEXT listener with Kafka's keys, for the broker {@code -Dtestkit.broker} names (the bundled
 * queue, or Apache Kafka configured the same way): PLAIN users from the JAAS entry, SCRAM users added through the
 * Admin API on the PLAINTEXT listener, kafka-clients producing and consuming as them, the clients' exact errors for
 * a wrong password and an unknown mechanism, kcat (librdkafka), and what a raw connection may send before it
 * authenticated. (Re-authentication: ReauthenticationTest.)
 */
class SaslAuthenticationTest {
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
                .start();
        SaslClients.addScramUser(broker, "SASL", "bob", "bob-secret", ScramMechanism.SCRAM_SHA_256,
                ScramMechanism.SCRAM_SHA_512);
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
    void unacceptableScramAlterationsFailWithKafkasErrors() throws Exception {
        try (Admin admin = broker.admin()) {
            ExecutionException tooFew = assertThrows(ExecutionException.class, () -> admin.alterUserScramCredentials(
                    List.of(new org.apache.kafka.clients.admin.UserScramCredentialUpsertion("dave",
                            new org.apache.kafka.clients.admin.ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 1000),
                            "dave-secret"))).all().get(30, TimeUnit.SECONDS));
            assertInstanceOf(org.apache.kafka.common.errors.UnacceptableCredentialException.class, tooFew.getCause(),
                    String.valueOf(tooFew.getCause()));
            ExecutionException absent = assertThrows(ExecutionException.class, () -> admin.alterUserScramCredentials(
                    List.of(new org.apache.kafka.clients.admin.UserScramCredentialDeletion("nobody",
                            ScramMechanism.SCRAM_SHA_256))).all().get(30, TimeUnit.SECONDS));
            assertInstanceOf(ResourceNotFoundException.class, absent.getCause(), String.valueOf(absent.getCause()));
            if (broker.kind() == KafkaBroker.Kind.QUEUE) {
                assertEquals("Too few iterations", tooFew.getCause().getMessage());
                assertEquals("Attempt to delete a user credential that does not exist", absent.getCause().getMessage());
            }
            assertFalse(admin.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS).containsKey("dave"));
        }
    }

    @Test
    void aFrameAboveSaslServerMaxReceiveSizeBeforeAuthenticationClosesTheConnection() throws Exception {
        try (RawClient raw = new RawClient("127.0.0.1", port("SASL"))) {
            byte[] huge = new byte[600 * 1024];
            assertThrows(java.io.IOException.class, () -> raw.send(new SaslAuthenticateRequest.Builder(
                    new SaslAuthenticateRequestData().setAuthBytes(huge)), (short) 2));
        }
        if (broker.kind() == KafkaBroker.Kind.QUEUE) {
            Wait.until("the broker logged why", () -> brokerLog().contains("bytes before SASL authentication is above"
                    + " sasl.server.max.receive.size 524288; closing it"));
        }
        try (Admin admin = SaslClients.admin(sasl("PLAIN", "alice", "alice-secret"))) {
            assertEquals(1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size(), "the broker goes on");
        }
    }

    private static int port(String listener) {
        String address = listener == null ? broker.bootstrapServers() : broker.bootstrapServers(listener);
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    private static MetadataRequest.Builder allTopics() {
        return new MetadataRequest.Builder(new org.apache.kafka.common.message.MetadataRequestData()
                .setTopics(null).setAllowAutoTopicCreation(false));
    }

    @Test
    void beforeAuthenticationOnlyTheSaslApisAreServed() throws Exception {
        try (RawClient raw = new RawClient("127.0.0.1", port("SASL"))) {
            ApiVersionsResponse versions = raw.send(new ApiVersionsRequest.Builder(), (short) 3);
            assertEquals(Errors.NONE.code(), versions.data().errorCode());
            assertEquals(1, versions.apiVersion(ApiKeys.SASL_HANDSHAKE.id).maxVersion());
            assertEquals(0, versions.apiVersion(ApiKeys.SASL_HANDSHAKE.id).minVersion(), "librdkafka needs v0 listed");
            assertThrows(java.io.IOException.class, () -> raw.send(allTopics(), (short) 12),
                    "Metadata before authentication closes the connection");
        }
        if (broker.kind() == KafkaBroker.Kind.QUEUE) {
            Wait.until("the broker logged the refusal", () -> brokerLog().contains(
                    "Metadata before SASL authentication on listener SASL (only ApiVersions, SaslHandshake and"
                            + " SaslAuthenticate are served until then); closing it"));
        }
        try (RawClient raw = new RawClient("127.0.0.1", port("SASL"))) {
            SaslHandshakeResponse handshake = raw.send(new SaslHandshakeRequest.Builder(
                    new SaslHandshakeRequestData().setMechanism("PLAIN")), (short) 1);
            assertEquals(Errors.NONE, handshake.error());
            assertEquals(java.util.Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"),
                    java.util.Set.copyOf(handshake.enabledMechanisms()));
            SaslAuthenticateResponse authenticated = raw.send(new SaslAuthenticateRequest.Builder(
                    new SaslAuthenticateRequestData().setAuthBytes("\u0000alice\u0000alice-secret"
                            .getBytes(StandardCharsets.UTF_8))), (short) 2);
            assertEquals(Errors.NONE, authenticated.error(), authenticated.errorMessage());
            assertEquals(0, authenticated.sessionLifetimeMs(), "no connections.max.reauth.ms: no end");
            MetadataResponse metadata = raw.send(allTopics(), (short) 12);
            assertEquals(port("SASL"), metadata.brokers().iterator().next().port(),
                    "the broker names itself by the listener the client came in through");
        }
        try (RawClient plaintext = new RawClient("127.0.0.1", port(null))) {
            SaslHandshakeResponse handshake = plaintext.send(new SaslHandshakeRequest.Builder(
                    new SaslHandshakeRequestData().setMechanism("PLAIN")), (short) 1);
            assertEquals(Errors.ILLEGAL_SASL_STATE, handshake.error(), "no SASL on the PLAINTEXT listener");
        }
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run kcat(String stdin, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("kcat", "-b", broker.bootstrapServers("SASL")));
        command.addAll(List.of(args));
        Path errFile = Files.createTempFile("kcat", ".err");
        Process process = new ProcessBuilder(command).redirectError(errFile.toFile()).start();
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "kcat " + command + " did not end");
        Run run = new Run(process.exitValue(), out, Files.readString(errFile));
        Files.delete(errFile);
        return run;
    }

    private static List<String> kcatLogin(String mechanism, String user, String password) {
        return List.of("-X", "security.protocol=sasl_plaintext", "-X", "sasl.mechanisms=" + mechanism,
                "-X", "sasl.username=" + user, "-X", "sasl.password=" + password);
    }

    @Test
    void kcatLogsInWithPlainAndHearsWhyAWrongPasswordFails() throws Exception {
        List<String> alice = kcatLogin("PLAIN", "alice", "alice-secret");
        Run produced = kcat("one\ntwo\nthree\n", concat(alice, "-P", "-t", "kcat-sasl"));
        assertEquals(0, produced.exitCode(), produced.err());
        Run consumed = kcat("", concat(alice, "-C", "-t", "kcat-sasl", "-o", "beginning", "-e"));
        assertEquals(0, consumed.exitCode(), consumed.err());
        assertEquals(List.of("one", "two", "three"), consumed.out().lines().toList());

        Run wrong = kcat("", concat(kcatLogin("PLAIN", "alice", "not-alices"), "-L", "-m", "5"));
        assertTrue(wrong.exitCode() != 0, wrong.out());
        assertTrue(wrong.err().contains("SASL authentication error: Authentication failed: Invalid username or"
                + " password"), wrong.err());
    }

    /**
     * Debian's librdkafka (2.0.2, kcat's) repeats its own nonce in the SCRAM client-final message, which Apache
     * Kafka 4.x rejects since the fix of CVE-2024-56128 (RFC 5802 nonce check; librdkafka fixed it in 2.6.1,
     * confluentinc/librdkafka#4895). The queue runs Kafka's own SCRAM server, so it refuses the same way, with the
     * same message, and logs the reason; a newer librdkafka logs in.
     */
    @Test
    void kcatOfDebianFailsScramAsAgainstApacheKafka() throws Exception {
        Run scram = kcat("", concat(kcatLogin("SCRAM-SHA-512", "bob", "bob-secret"), "-L", "-m", "5"));
        assertTrue(scram.exitCode() != 0, scram.out());
        assertTrue(scram.err().contains("SASL authentication error: Authentication failed during authentication due"
                + " to invalid credentials with SASL mechanism SCRAM-SHA-512"), scram.err());
        if (broker.kind() == KafkaBroker.Kind.QUEUE) {
            Wait.until("the broker logged the reason", () -> brokerLog().contains(
                    "mechanism SCRAM-SHA-512, user bob: Authentication failed during authentication due to invalid"
                            + " credentials with SASL mechanism SCRAM-SHA-512 (Invalid client nonce in the final client"
                            + " message.)"));
        }
    }

    private static String[] concat(List<String> first, String... rest) {
        List<String> all = new java.util.ArrayList<>(first);
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }
}
