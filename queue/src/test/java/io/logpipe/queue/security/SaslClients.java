package io.logpipe.queue.security;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.logpipe.testkit.KafkaBroker;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Kafka clients that log in over SASL_PLAINTEXT as Kafka's documentation configures them. */
final class SaslClients {
    static final String PLAIN_JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required"
            + " username=\"admin\" password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\";";
    static final String SCRAM_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required;";

    private SaslClients() {
    }

    /** The client keys for {@code user} with {@code password} over {@code mechanism} to {@code bootstrap}. */
    static Map<String, Object> settings(String bootstrap, String mechanism, String user, String password) {
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        Map<String, Object> settings = new HashMap<>();
        settings.put("bootstrap.servers", bootstrap);
        settings.put("security.protocol", "SASL_PLAINTEXT");
        settings.put("sasl.mechanism", mechanism);
        settings.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";");
        return settings;
    }

    static Admin admin(Map<String, Object> settings) {
        Map<String, Object> all = new HashMap<>(settings);
        all.put("request.timeout.ms", 10_000);
        all.put("default.api.timeout.ms", 20_000);
        return Admin.create(all);
    }

    static KafkaProducer<String, String> producer(Map<String, Object> settings) {
        Map<String, Object> all = new HashMap<>(settings);
        all.put("key.serializer", StringSerializer.class.getName());
        all.put("value.serializer", StringSerializer.class.getName());
        all.put("max.block.ms", 20_000);
        return new KafkaProducer<>(all);
    }

    static KafkaConsumer<String, String> consumer(Map<String, Object> settings, String group) {
        Map<String, Object> all = new HashMap<>(settings);
        all.put("key.deserializer", StringDeserializer.class.getName());
        all.put("value.deserializer", StringDeserializer.class.getName());
        all.put("auto.offset.reset", "earliest");
        all.put("group.id", group);
        return new KafkaConsumer<>(all);
    }

    /**
     * Adds or replaces {@code user}'s SCRAM credentials through {@code admin} (4096 iterations, Kafka's default), one
     * request per mechanism: Kafka refuses a user named twice in one request.
     */
    static void addScramUser(Admin admin, String user, String password, ScramMechanism... mechanisms) throws Exception {
        for (ScramMechanism mechanism : mechanisms) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(mechanism, 4096), password))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Adds {@code user} through the broker's PLAINTEXT admin and waits until the user logs in on {@code listener}
     * with each mechanism: Apache Kafka applies credentials through its metadata log, a moment after the call.
     */
    static void addScramUser(KafkaBroker broker, String listener, String user, String password,
                             ScramMechanism... mechanisms) throws Exception {
        try (Admin admin = broker.admin()) {
            addScramUser(admin, user, password, mechanisms);
        }
        for (ScramMechanism mechanism : mechanisms) {
            Wait.until(user + " can log in with " + mechanism.mechanismName(), () -> {
                try (Admin admin = admin(settings(broker.bootstrapServers(listener), mechanism.mechanismName(), user,
                        password))) {
                    return !admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty();
                }
            });
        }
    }

    /** Polls until {@code count} records arrived (30 s at most), returning their values. */
    static List<String> readValues(KafkaConsumer<String, String> consumer, int count) {
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (values.size() < count && System.nanoTime() - deadline < 0) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                values.add(record.value());
            }
        }
        return values;
    }
}
