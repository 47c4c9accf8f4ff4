package io.logpipe.queue.security;

import static io.logpipe.queue.security.Acls.allow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.ChildBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker process as users run it: ACLs added with Admin.createAcls are in force after a kill -9 and restart, and
 * a client denied again and again leaves one log line naming its principal. Queue only, like AclEnforcementTest
 * (ANONYMOUS restricted).
 */
class AclDurabilityTest {
    private static final String ANONYMOUS = "User:ANONYMOUS";

    @TempDir
    Path work;

    private static Admin admin(ChildBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
    }

    private static KafkaProducer<String, String> producer(ChildBroker broker) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.RETRIES_CONFIG, 0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    @Test
    void aclsSurviveKill9AndADenialIsLoggedOncePerPrincipalAndResource() throws Exception {
        Path data = work.resolve("data");
        Files.createDirectories(data);
        AclStore.open(data).add(List.of(allow(ANONYMOUS, AclOperation.ALTER, ResourceType.CLUSTER, "kafka-cluster"),
                allow(ANONYMOUS, AclOperation.CREATE, ResourceType.CLUSTER, "kafka-cluster")));
        Path config = work.resolve("server.properties");
        Files.writeString(config, """
                listeners=PLAINTEXT://127.0.0.1:0
                log.dirs=%s
                authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
                allow.everyone.if.no.acl.found=false
                """.formatted(data));
        AclBinding write = allow(ANONYMOUS, AclOperation.WRITE, ResourceType.TOPIC, "kept");
        AclBinding describeLocked = allow(ANONYMOUS, AclOperation.DESCRIBE, ResourceType.TOPIC, "locked");
        try (ChildBroker broker = ChildBroker.start(config, work)) {
            try (Admin admin = admin(broker)) {
                admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1), new NewTopic("locked", 1, (short) 1)))
                        .all().get(10, TimeUnit.SECONDS);
                admin.createAcls(List.of(write, describeLocked)).all().get(10, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = producer(broker)) {
                for (int i = 0; i < 5; i++) {
                    ExecutionException e = assertThrows(ExecutionException.class,
                            () -> producer.send(new ProducerRecord<>("locked", "k", "v")).get(10, TimeUnit.SECONDS));
                    assertEquals(Set.of("locked"), assertInstanceOf(TopicAuthorizationException.class, e.getCause())
                            .unauthorizedTopics());
                }
            }
            List<String> denials = broker.stderr().lines().filter(l -> l.contains("authorization:")).toList();
            assertEquals(1, denials.size(), broker.stderr());
            assertTrue(denials.get(0).contains("authorization: User:ANONYMOUS (from 127.0.0.1) is denied WRITE on "
                    + "TOPIC 'locked': no ACL allows it; allow it with kafka-acls --add --allow-principal "
                    + "User:ANONYMOUS --operation Write --topic locked (logged once per principal, resource and "
                    + "operation)"), denials.get(0));
            broker.kill9();
        }
        try (ChildBroker broker = ChildBroker.start(config, work)) {
            try (Admin admin = admin(broker)) {
                // ALTER on the cluster implies DESCRIBE, so ANONYMOUS may list them
                assertTrue(admin.describeAcls(AclBindingFilter.ANY).values().get(10, TimeUnit.SECONDS)
                        .containsAll(List.of(write, describeLocked)));
            }
            try (KafkaProducer<String, String> producer = producer(broker)) {
                assertEquals(0, producer.send(new ProducerRecord<>("kept", "k", "after kill -9")).get().offset());
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> producer.send(new ProducerRecord<>("locked", "k", "v")).get(10, TimeUnit.SECONDS));
                assertInstanceOf(TopicAuthorizationException.class, e.getCause());
            }
            assertTrue(broker.stderr().contains("ACLs on: 4 bindings in " + data.resolve(AclStore.FILE_NAME)),
                    broker.stderr());
        }
    }
}
