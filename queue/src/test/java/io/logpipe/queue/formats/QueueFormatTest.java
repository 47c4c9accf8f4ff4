package io.logpipe.queue.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.io.FormatVersion;
import io.logpipe.queue.ChildBroker;
import io.logpipe.queue.TestBroker;
import io.logpipe.queue.group.OffsetStore;
import io.logpipe.queue.log.LogDirFormat;
import io.logpipe.queue.security.AclStore;
import io.logpipe.queue.security.ScramCredentialStore;
import io.logpipe.testkit.FormatFixtures;
import io.logpipe.testkit.Wait;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upgrades keep the broker's data: {@code src/test/resources/formats/v1/logdir} is a log dir written by the broker
 * when formats first carried versions (log dir version 1, offsets store 0, ACLs 0, SCRAM credentials 1; written by
 * {@link #writeFixture()}, kept unchanged), and this release serves it to real kafka-clients. When a format
 * changes, add a {@code v2} fixture beside it and keep this one passing.
 */
class QueueFormatTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String FIXTURE = "/formats/v1/logdir";
    private static final String TOPIC = "fixture";
    private static final String GROUP = "fixture-group";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final List<String> RECORDS = List.of("record-0", "record-1", "record-2", "record-3", "record-4");
    private static final AclBinding ACL = new AclBinding(new ResourcePattern(ResourceType.TOPIC, TOPIC,
            PatternType.LITERAL), new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW));
    /** ACLs on, the tests' anonymous clients allowed everything. */
    private static final Map<String, String> SETTINGS = Map.of(
            "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users", "User:ANONYMOUS",
            "group.initial.rebalance.delay.ms", "0");

    @TempDir
    Path work;

    /**
     * The fixture generator: a topic with a config override and five records, group {@value #GROUP} committed at
     * offset 3, a SCRAM user and an ACL, all through the real broker and kafka-clients, stopped cleanly. Run it only
     * to add a fixture for a new format: {@code mvn -pl queue -am -Dtest=QueueFormatTest -Dformats.write=true verify}.
     */
    @Test
    @EnabledIfSystemProperty(named = FormatFixtures.WRITE, matches = "true")
    void writeFixture() throws Exception {
        Path logDir = work.resolve("logdir");
        try (TestBroker broker = TestBroker.start(logDir, SETTINGS); Admin admin = broker.admin()) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of("retention.ms", "604800000"))))
                    .all().get();
            try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
                for (int i = 0; i < RECORDS.size(); i++) {
                    producer.send(new ProducerRecord<>(TOPIC, "key-" + i, RECORDS.get(i))).get();
                }
            }
            try (KafkaConsumer<String, String> consumer = broker.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false))) {
                consumer.commitSync(Map.of(PARTITION, new OffsetAndMetadata(3, "fixture metadata")));
            }
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("alice",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "alice-secret"))).all().get();
            admin.createAcls(List.of(ACL)).all().get();
        }
        FormatFixtures.keep(logDir, FIXTURE);
    }

    @Test
    void servesTheRecordsOffsetsConfigsUsersAndAclsOfAVersion1LogDir() throws Exception {
        Path logDir = copyFixture();
        try (TestBroker broker = TestBroker.start(logDir, SETTINGS); Admin admin = broker.admin()) {
            try (KafkaConsumer<String, String> all = broker.consumer(Map.of())) {
                all.assign(List.of(PARTITION));
                all.seekToBeginning(List.of(PARTITION));
                assertEquals(RECORDS, values(poll(all, RECORDS.size())), "every record, in order");
            }
            OffsetAndMetadata committed = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get()
                    .get(PARTITION);
            assertEquals(3, committed.offset());
            assertEquals("fixture metadata", committed.metadata());
            try (KafkaConsumer<String, String> group = broker.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, GROUP))) {
                group.subscribe(List.of(TOPIC));
                assertEquals(RECORDS.subList(3, 5), values(poll(group, 2)), "the group resumes at its commit");
            }
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
            Config config = admin.describeConfigs(List.of(topic)).all().get().get(topic);
            assertEquals("604800000", config.get("retention.ms").value());
            UserScramCredentialsDescription alice = admin.describeUserScramCredentials(List.of("alice")).all().get()
                    .get("alice");
            assertEquals(List.of(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096)),
                    alice.credentialInfos());
            Collection<AclBinding> acls = admin.describeAcls(AclBindingFilter.ANY).values().get();
            assertEquals(List.of(ACL), List.copyOf(acls));
            try (KafkaProducer<String, String> producer = broker.producer(Map.of())) {
                assertEquals(5, producer.send(new ProducerRecord<>(TOPIC, "record-5")).get().offset(),
                        "the log goes on after the fixture's last offset");
            }
        }
        assertEquals("version=1", Files.readAllLines(logDir.resolve(LogDirFormat.FILE_NAME)).get(1));
    }

    @Test
    void aLogDirWithoutAFormatFileIsVersion1AndGetsOne() throws Exception {
        Path logDir = copyFixture();
        Files.delete(logDir.resolve(LogDirFormat.FILE_NAME));
        Files.delete(logDir.resolve(".kafka_cleanshutdown")); // and its segments are validated as after a crash
        try (TestBroker broker = TestBroker.start(logDir, SETTINGS);
             KafkaConsumer<String, String> all = broker.consumer(Map.of())) {
            all.assign(List.of(PARTITION));
            all.seekToBeginning(List.of(PARTITION));
            assertEquals(RECORDS, values(poll(all, RECORDS.size())));
        }
        assertTrue(Files.readString(logDir.resolve(LogDirFormat.FILE_NAME)).contains("\nversion=1\n"));
    }

    @Test
    void aNewerLogDirStopsTheBrokerWithOneClearLine() throws Exception {
        Path logDir = copyFixture();
        Path file = logDir.resolve(LogDirFormat.FILE_NAME);
        Files.writeString(file, "version=2\n");
        Path config = work.resolve("server.properties");
        Files.writeString(config, "node.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=" + logDir + "\n");
        String[] result = ChildBroker.runToExit(config.toString());
        assertEquals("2", result[0], result[1]);
        assertTrue(result[1].contains("queue-server: cannot start: " + file + ": queue log dir format version 2 is "
                + "newer than this release reads (up to version 1); the file was written by a newer logpipe release. "
                + "Run that release (or a newer one) on this data"), result[1]);
        assertFalse(result[1].contains("\tat "), "no stack trace: " + result[1]);
        assertEquals("version=2\n", Files.readString(file), "left as it is");
    }

    @Test
    void aNewerOffsetsRecordStopsTheStartAndTheFileIsKept() throws Exception {
        Path logDir = copyFixture();
        Path file = logDir.resolve(OffsetStore.FILE_NAME);
        ByteBuffer payload = ByteBuffer.wrap(new byte[] {1, 1, 0, 0}); // version 1, then whatever version 1 holds
        CRC32C crc = new CRC32C();
        crc.update(payload.duplicate());
        ByteBuffer record = ByteBuffer.allocate(8 + payload.remaining()).putInt(payload.remaining())
                .putInt((int) crc.getValue()).put(payload).flip();
        Files.write(file, record.array(), java.nio.file.StandardOpenOption.APPEND);
        byte[] before = Files.readAllBytes(file);
        assertNewer(file, "queue offsets store format version 1 is newer than this release reads (up to version 0)",
                () -> TestBroker.start(logDir, SETTINGS).close());
        assertArrayEquals(before, Files.readAllBytes(file), "not compacted, nothing dropped");
    }

    @Test
    void newerAclAndScramFilesStopTheStart() throws Exception {
        Path logDir = copyFixture();
        Path acls = logDir.resolve(AclStore.FILE_NAME);
        Files.writeString(acls, Files.readString(acls).replace("logpipe-acls 0", "logpipe-acls 1"));
        assertNewer(acls, "queue ACLs format version 1 is newer than this release reads (up to version 0)",
                () -> AclStore.open(logDir));
        Path scram = logDir.resolve(ScramCredentialStore.FILE_NAME);
        Files.writeString(scram, Files.readString(scram).replace("credentials v1", "credentials v2"));
        assertNewer(scram, "queue SCRAM credentials format version 2 is newer than this release reads (up to "
                + "version 1)", () -> ScramCredentialStore.open(logDir).close());
    }

    private interface Start {
        void run() throws Exception;
    }

    private static void assertNewer(Path file, String expected, Start start) {
        FormatVersion.NewerFormatException e = assertThrows(FormatVersion.NewerFormatException.class, start::run);
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ": " + expected), e.getMessage());
    }

    private static List<ConsumerRecord<String, String>> poll(KafkaConsumer<String, String> consumer, int count) {
        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        Wait.until(count + " records", WAIT, () -> {
            consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            return received.size() >= count;
        });
        return received;
    }

    private static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    private Path copyFixture() {
        return FormatFixtures.copy(FIXTURE, work.resolve("logdir"));
    }
}
