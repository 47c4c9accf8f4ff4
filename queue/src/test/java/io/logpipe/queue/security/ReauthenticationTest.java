package io.logpipe.queue.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.RawClient;
import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Re-authentication (KIP-368) with a short {@code connections.max.reauth.ms}, for the broker {@code -Dtestkit.broker}
 * names: kafka-clients re-authenticate on their open connections and go on working; a connection that does not is
 * closed once its session ended. (Its own broker: librdkafka 2.0, Debian's, cannot re-authenticate.)
 */
class ReauthenticationTest {
    static final long REAUTH_MS = 3000;
    static KafkaBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaBroker.with()
                .listener("SASL", "SASL_PLAINTEXT")
                .property("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512")
                .property("listener.name.sasl.plain.sasl.jaas.config", SaslClients.PLAIN_JAAS)
                .property("listener.name.sasl.scram-sha-512.sasl.jaas.config", SaslClients.SCRAM_JAAS)
                .property("connections.max.reauth.ms", Long.toString(REAUTH_MS))
                .start();
        SaslClients.addScramUser(broker, "SASL", "bob", "bob-secret", ScramMechanism.SCRAM_SHA_512);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static Map<String, Object> sasl(String mechanism, String user, String password) {
        return SaslClients.settings(broker.bootstrapServers("SASL"), mechanism, user, password);
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

    @Test
    void aConnectionThatDoesNotReauthenticateIsClosedWhenItsSessionEnds() throws Exception {
        String address = broker.bootstrapServers("SASL");
        MetadataRequest.Builder metadata = new MetadataRequest.Builder(new MetadataRequestData().setTopics(null)
                .setAllowAutoTopicCreation(false));
        try (RawClient raw = new RawClient("127.0.0.1", Integer.parseInt(address.substring(address.indexOf(':') + 1)))) {
            SaslHandshakeResponse handshake = raw.send(new SaslHandshakeRequest.Builder(
                    new SaslHandshakeRequestData().setMechanism("PLAIN")), (short) 1);
            assertEquals(Errors.NONE, handshake.error());
            SaslAuthenticateResponse authenticated = raw.send(new SaslAuthenticateRequest.Builder(
                    new SaslAuthenticateRequestData().setAuthBytes("\u0000alice\u0000alice-secret"
                            .getBytes(StandardCharsets.UTF_8))), (short) 2);
            assertEquals(Errors.NONE, authenticated.error(), authenticated.errorMessage());
            assertEquals(REAUTH_MS, authenticated.sessionLifetimeMs());
            raw.send(metadata, (short) 12);
            long authenticatedAt = System.nanoTime();
            Wait.until("the broker closes the connection whose session ended", Duration.ofSeconds(20),
                    Duration.ofMillis(250), () -> {
                        try {
                            raw.send(metadata, (short) 12);
                            return false;
                        } catch (java.io.IOException closed) {
                            return true;
                        }
                    });
            assertTrue(System.nanoTime() - authenticatedAt >= Duration.ofMillis(REAUTH_MS - 500).toNanos(),
                    "not closed before the session ended");
        }
    }
}
