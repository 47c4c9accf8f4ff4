package io.logpipe.queue.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import io.logpipe.queue.RawClient;
import io.logpipe.queue.KafkaTool;
import io.logpipe.queue.TestBroker;
import io.logpipe.queue.log.PartitionLog;
import io.logpipe.testkit.Wait;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.tools.TopicCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Topic-level overrides of retention.ms, retention.bytes, segment.bytes, segment.ms and cleanup.policy through the
 * stock AdminClient: set at creation, altered incrementally, described as DYNAMIC_TOPIC_CONFIG, kept across a
 * restart and used by the running partition logs.
 */
class TopicConfigTest {
    @TempDir
    Path data;

    private static ConfigResource topic(String name) {
        return new ConfigResource(ConfigResource.Type.TOPIC, name);
    }

    private static Config describe(Admin admin, String name) throws Exception {
        return admin.describeConfigs(List.of(topic(name))).all().get().get(topic(name));
    }

    private static void alter(Admin admin, String name, AlterConfigOp... ops) throws Exception {
        admin.incrementalAlterConfigs(Map.of(topic(name), List.of(ops))).all().get();
    }

    private static void assertOverride(Config config, String key, String value) {
        ConfigEntry entry = config.get(key);
        assertEquals(value, entry.value(), key);
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, entry.source(), key);
        assertFalse(entry.isDefault(), key);
    }

    private static void assertBrokerDefault(Config config, String key, String value) {
        ConfigEntry entry = config.get(key);
        assertEquals(value, entry.value(), key);
        assertTrue(entry.source() == ConfigEntry.ConfigSource.DEFAULT_CONFIG
                || entry.source() == ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, key + ": " + entry.source());
    }

    @Test
    void overridesAreSetAtCreationAlteredAndKeptAcrossARestart() throws Exception {
        Map<String, String> broker = Map.of("log.retention.hours", "168", "log.segment.bytes", "1048576");
        try (TestBroker b = TestBroker.start(data, broker); Admin admin = b.admin()) {
            admin.createTopics(List.of(new NewTopic("audit", 2, (short) 1).configs(Map.of(
                    "retention.ms", "3600000", "segment.bytes", "65536", "cleanup.policy", "delete")))).all().get();
            Config created = describe(admin, "audit");
            assertOverride(created, "retention.ms", "3600000");
            assertOverride(created, "segment.bytes", "65536");
            assertOverride(created, "cleanup.policy", "delete");
            assertBrokerDefault(created, "retention.bytes", "-1");
            assertBrokerDefault(created, "segment.ms", Long.toString(7L * 24 * 3600 * 1000));
            Config other = describe(b.admin(), "audit");
            assertEquals(created.get("retention.ms").value(), other.get("retention.ms").value());

            alter(admin, "audit",
                    new AlterConfigOp(new ConfigEntry("retention.bytes", "1000000"), AlterConfigOp.OpType.SET),
                    new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE),
                    new AlterConfigOp(new ConfigEntry("segment.ms", "600000"), AlterConfigOp.OpType.SET));
            Config altered = describe(admin, "audit");
            assertOverride(altered, "retention.bytes", "1000000");
            assertOverride(altered, "segment.ms", "600000");
            assertOverride(altered, "segment.bytes", "65536");
            assertBrokerDefault(altered, "retention.ms", Long.toString(168L * 3600 * 1000));
        }
        try (TestBroker b = TestBroker.start(data, broker); Admin admin = b.admin()) {
            Config restarted = describe(admin, "audit");
            assertOverride(restarted, "retention.bytes", "1000000");
            assertOverride(restarted, "segment.ms", "600000");
            assertOverride(restarted, "segment.bytes", "65536");
            assertBrokerDefault(restarted, "retention.ms", Long.toString(168L * 3600 * 1000));
            assertEquals(65536, b.server().logs().log(new TopicPartition("audit", 1)).config().segmentBytes());
        }
    }

    @Test
    void segmentBytesRollsAndAnAlteredRetentionBytesDropsOldSegmentsOfTheRunningLog() throws Exception {
        try (TestBroker b = TestBroker.start(data, Map.of("log.retention.check.interval.ms", "100"));
             Admin admin = b.admin();
             KafkaProducer<String, String> producer = b.producer(Map.of("linger.ms", 0))) {
            admin.createTopics(List.of(new NewTopic("small", 1, (short) 1).configs(Map.of("segment.bytes", "1024"))))
                    .all().get();
            String value = "x".repeat(300);
            for (int i = 0; i < 40; i++) {
                producer.send(new ProducerRecord<>("small", "k" + i, value + i)).get();
            }
            TopicPartition tp = new TopicPartition("small", 0);
            assertTrue(b.server().logs().log(tp).segmentCount() >= 10,
                    "segment.bytes=1024 rolls a segment every few 300-byte records");
            assertEquals(0, earliest(admin, tp), "no retention yet: the broker keeps everything");

            alter(admin, "small", new AlterConfigOp(new ConfigEntry("retention.bytes", "2048"), AlterConfigOp.OpType.SET));
            // one retention check drops segment after segment; wait until it is through
            Wait.until("retention to drop the old segments", Duration.ofSeconds(10), () -> earliest(admin, tp) > 30);
            long start = earliest(admin, tp);
            assertTrue(start > 30, "log start offset advanced past the dropped segments: " + start);
            assertTrue(b.server().logs().log(tp).sizeInBytes() < 2048 + 1024,
                    "what is left fits retention.bytes plus the active segment");

            admin.createTopics(List.of(new NewTopic("small-from-start", 1, (short) 1).configs(Map.of(
                    "segment.bytes", "1024", "retention.bytes", "2048")))).all().get();
            for (int i = 0; i < 40; i++) {
                producer.send(new ProducerRecord<>("small-from-start", "k" + i, value + i)).get();
            }
            TopicPartition fromStart = new TopicPartition("small-from-start", 0);
            Wait.until("retention given at creation to drop the old segments", Duration.ofSeconds(10),
                    () -> earliest(admin, fromStart) > 30);
            assertTrue(earliest(admin, fromStart) > 30, "retention.bytes given at creation applies too");

            try (KafkaConsumer<String, String> consumer = b.consumer(Map.of())) {
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                List<ConsumerRecord<String, String>> got = new ArrayList<>();
                long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while ((got.isEmpty() || got.get(got.size() - 1).offset() < 39) && System.nanoTime() < until) {
                    consumer.poll(Duration.ofMillis(200)).forEach(got::add);
                }
                assertEquals(start, got.get(0).offset(), "a consumer from earliest starts at the new log start");
                assertEquals(39, got.get(got.size() - 1).offset());
                assertEquals(value + "39", got.get(got.size() - 1).value());
            }
        }
    }

    @Test
    void kafkaTopicsCreatesWithConfigAndDescribesTheOverrides() throws Exception {
        try (TestBroker b = TestBroker.start(data, Map.of())) {
            kafkaTopics(b, 0, "--create", "--topic", "tooled", "--partitions", "1", "--config", "retention.bytes=5000000",
                    "--config", "segment.bytes=1048576");
            String described = kafkaTopics(b, 0, "--describe", "--topic", "tooled");
            assertTrue(described.contains("retention.bytes=5000000"), described);
            assertTrue(described.contains("segment.bytes=1048576"), described);
            String altered = kafkaConfigs(b, 0, "--alter", "--entity-type", "topics", "--entity-name", "tooled",
                    "--add-config", "retention.ms=86400000", "--delete-config", "retention.bytes");
            assertTrue(altered.contains("Completed updating config for topic tooled"), altered);
            String configs = kafkaConfigs(b, 0, "--describe", "--entity-type", "topics", "--entity-name", "tooled");
            assertTrue(configs.contains("retention.ms=86400000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms="
                    + "86400000, DEFAULT_CONFIG:log.retention.ms=604800000}"), configs);
            assertTrue(configs.contains("segment.bytes=1048576"), configs);
            assertFalse(configs.contains("retention.bytes"), configs);
            String badAlter = kafkaConfigs(b, 1, "--alter", "--entity-type", "topics", "--entity-name", "tooled",
                    "--add-config", "segment.bytes=12");
            assertTrue(badAlter.contains("segment.bytes=12: must be between 1024"), badAlter);

            String refused = kafkaTopics(b, 1, "--create", "--topic", "tooled-bad", "--partitions", "1",
                    "--config", "cleanup.policy=compact");
            assertTrue(refused.contains("cleanup.policy=compact: only 'delete' is supported"), refused);
        }
    }

    private static String kafkaTopics(TestBroker broker, int expectedExit, String... args) {
        return runTool("kafka-topics", TopicCommand::main, broker, expectedExit, args);
    }

    private static String kafkaConfigs(TestBroker broker, int expectedExit, String... args) {
        return runTool("kafka-configs", kafka.admin.ConfigCommand::main, broker, expectedExit, args);
    }

    /** Runs an Apache Kafka command line tool in this JVM; checks its exit code and returns what it printed. */
    private static String runTool(String tool, KafkaTool.Main main, TestBroker broker, int expectedExit,
                                  String... args) {
        KafkaTool.Result result = KafkaTool.run(tool, main, broker, "", args);
        assertEquals(expectedExit, result.exitCode(), result.printed());
        return result.printed();
    }

    private static long earliest(Admin admin, TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).all().get().get(tp).offset();
    }

    @Test
    void badValuesAndOperationsAreRefusedNamingTheKey() throws Exception {
        try (TestBroker b = TestBroker.start(data, Map.of("node.id", "1")); Admin admin = b.admin()) {
            for (Map.Entry<String, String> bad : List.of(Map.entry("retention.ms", "a week"),
                    Map.entry("retention.bytes", "-2"), Map.entry("segment.bytes", "100"),
                    Map.entry("segment.ms", "0"), Map.entry("cleanup.policy", "compact"))) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> admin.createTopics(List.of(
                        new NewTopic("bad", 1, (short) 1).configs(Map.of(bad.getKey(), bad.getValue())))).all().get());
                assertInstanceOf(InvalidConfigurationException.class, e.getCause(), bad.toString());
                assertTrue(e.getCause().getMessage().contains(bad.getKey()), e.getCause().getMessage());
            }
            assertFalse(admin.listTopics().names().get().contains("bad"), "a refused topic is not created");

            admin.createTopics(List.of(new NewTopic("good", 1, (short) 1).configs(Map.of("retention.ms", "60000"))))
                    .all().get();
            ExecutionException bad = assertThrows(ExecutionException.class, () -> alter(admin, "good",
                    new AlterConfigOp(new ConfigEntry("segment.bytes", "4096"), AlterConfigOp.OpType.SET),
                    new AlterConfigOp(new ConfigEntry("retention.bytes", "lots"), AlterConfigOp.OpType.SET)));
            assertInstanceOf(InvalidConfigurationException.class, bad.getCause());
            assertTrue(bad.getCause().getMessage().contains("retention.bytes"), bad.getCause().getMessage());
            ExecutionException append = assertThrows(ExecutionException.class, () -> alter(admin, "good",
                    new AlterConfigOp(new ConfigEntry("retention.ms", "5"), AlterConfigOp.OpType.APPEND)));
            assertInstanceOf(InvalidConfigurationException.class, append.getCause());
            assertTrue(append.getCause().getMessage().contains("retention.ms"), append.getCause().getMessage());
            admin.incrementalAlterConfigs(Map.of(topic("good"), List.of(new AlterConfigOp(
                    new ConfigEntry("retention.ms", "120000"), AlterConfigOp.OpType.SET))),
                    new AlterConfigsOptions().validateOnly(true)).all().get();
            Config unchanged = describe(admin, "good");
            assertOverride(unchanged, "retention.ms", "60000");
            assertBrokerDefault(unchanged, "segment.bytes", "1073741824"); // the failed alter applied none of its changes

            ConfigResource brokerResource = new ConfigResource(ConfigResource.Type.BROKER, "1");
            ExecutionException brokerAlter = assertThrows(ExecutionException.class, () -> admin.incrementalAlterConfigs(
                    Map.of(brokerResource, List.<AlterConfigOp>of(new AlterConfigOp(
                            new ConfigEntry("log.retention.ms", "1000"), AlterConfigOp.OpType.SET))))
                    .all().get());
            assertInstanceOf(InvalidRequestException.class, brokerAlter.getCause());
            Collection<String> names = admin.listTopics().names().get();
            assertTrue(names.contains("good"));
        }
    }

    /** Sends the legacy AlterConfigs (API key 33) for one resource at {@code version}, as pre-4.0 Java clients do. */
    private static AlterConfigsResponseData.AlterConfigsResourceResponse legacyAlter(RawClient client, short version,
            ConfigResource resource, boolean validateOnly, Map<String, String> configs) throws Exception {
        List<AlterConfigsRequest.ConfigEntry> entries = new ArrayList<>();
        configs.forEach((k, v) -> entries.add(new AlterConfigsRequest.ConfigEntry(k, v)));
        AlterConfigsResponse response = client.send(new AlterConfigsRequest.Builder(
                Map.of(resource, new AlterConfigsRequest.Config(entries)), validateOnly), version);
        assertEquals(1, response.data().responses().size());
        return response.data().responses().get(0);
    }

    @Test
    void legacyAlterConfigsReplacesTheWholeSetOfOverrides() throws Exception {
        try (TestBroker b = TestBroker.start(data, Map.of("node.id", "1")); Admin admin = b.admin();
             RawClient client = new RawClient("127.0.0.1", b.port())) {
            admin.createTopics(List.of(new NewTopic("legacy", 1, (short) 1).configs(Map.of(
                    "retention.ms", "60000", "segment.bytes", "1048576")))).all().get();
            PartitionLog log = b.server().logs().log(new TopicPartition("legacy", 0));

            for (short version = ApiKeys.ALTER_CONFIGS.oldestVersion(); version <= ApiKeys.ALTER_CONFIGS.latestVersion();
                 version++) {
                var ok = legacyAlter(client, version, topic("legacy"), false,
                        Map.of("retention.ms", Integer.toString(120000 + version), "retention.bytes", "5000000"));
                assertEquals(Errors.NONE.code(), ok.errorCode(), "v" + version + ": " + ok.errorMessage());
                Config altered = describe(admin, "legacy");
                assertOverride(altered, "retention.ms", Integer.toString(120000 + version));
                assertOverride(altered, "retention.bytes", "5000000");
                assertBrokerDefault(altered, "segment.bytes", "1073741824"); // left out: back to the broker's value
                assertEquals(120000 + version, log.config().retentionMs(), "the running log uses it at once");
                assertEquals(1073741824, log.config().segmentBytes());
            }

            var bad = legacyAlter(client, (short) 2, topic("legacy"), false,
                    Map.of("segment.bytes", "4096", "retention.bytes", "lots"));
            assertEquals(Errors.INVALID_CONFIG.code(), bad.errorCode());
            assertTrue(bad.errorMessage().contains("retention.bytes"), bad.errorMessage());
            var unsupported = legacyAlter(client, (short) 2, topic("legacy"), false, Map.of("min.insync.replicas", "2"));
            assertEquals(Errors.INVALID_CONFIG.code(), unsupported.errorCode());
            assertTrue(unsupported.errorMessage().contains("min.insync.replicas"), unsupported.errorMessage());
            var validateOnly = legacyAlter(client, (short) 2, topic("legacy"), true, Map.of("retention.ms", "1"));
            assertEquals(Errors.NONE.code(), validateOnly.errorCode());
            Config unchanged = describe(admin, "legacy");
            assertOverride(unchanged, "retention.ms", "120002"); // none of the refused or validate-only changes
            assertOverride(unchanged, "retention.bytes", "5000000");
            assertBrokerDefault(unchanged, "segment.bytes", "1073741824");

            var brokerAlter = legacyAlter(client, (short) 2, new ConfigResource(ConfigResource.Type.BROKER, "1"), false,
                    Map.of("log.retention.ms", "1000"));
            assertEquals(Errors.INVALID_REQUEST.code(), brokerAlter.errorCode());
            var unknown = legacyAlter(client, (short) 2, topic("nope"), false, Map.of("retention.ms", "1000"));
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), unknown.errorCode());

            var cleared = legacyAlter(client, (short) 2, topic("legacy"), false, Map.of());
            assertEquals(Errors.NONE.code(), cleared.errorCode());
            assertBrokerDefault(describe(admin, "legacy"), "retention.ms", Long.toString(168L * 3600 * 1000));
            assertEquals(-1, log.config().retentionBytes());
        }
    }
}

