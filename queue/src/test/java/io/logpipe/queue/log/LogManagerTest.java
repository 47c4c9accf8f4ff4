package io.logpipe.queue.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogManagerTest {
    @TempDir
    Path root;

    private LogManager open() throws IOException {
        return LogManager.open(List.of(root.resolve("a"), root.resolve("b")), LogConfig.defaults(), 1);
    }

    @Test
    void topicConfigOverridesLiveInEachPartitionDirAndPartitionZeroWinsAfterAnInterruptedChange() throws IOException {
        try (LogManager logs = open()) {
            logs.createTopic("tuned", 2, TopicConfig.of(java.util.Map.of("segment.bytes", "4096")));
            assertEquals(4096, logs.log(new org.apache.kafka.common.TopicPartition("tuned", 1)).config().segmentBytes());
            assertTrue(Files.readString(root.resolve("b/tuned-1/topic.config")).contains("segment.bytes=4096"));
            logs.createPartitions("tuned", 3);
            assertEquals(4096, logs.log(new org.apache.kafka.common.TopicPartition("tuned", 2)).config().segmentBytes(),
                    "a new partition inherits the topic's overrides");
            logs.alterTopicConfig("tuned", logs.topicConfig("tuned").with("retention.bytes", "100000"));
            assertEquals(100000, logs.log(new org.apache.kafka.common.TopicPartition("tuned", 0)).config().retentionBytes());
            logs.createTopic("plain", 1);
            assertFalse(Files.exists(root.resolve("a/plain-0/topic.config")), "no overrides, no file");
        }
        // an alter interrupted after partition 1 was rewritten but before partition 0 was
        Files.writeString(root.resolve("b/tuned-1/topic.config"), "segment.bytes=8192\n");
        try (LogManager logs = open()) {
            assertEquals(java.util.Map.of("segment.bytes", "4096", "retention.bytes", "100000"),
                    logs.topicConfig("tuned").overrides());
            assertEquals(4096, logs.log(new org.apache.kafka.common.TopicPartition("tuned", 1)).config().segmentBytes());
            assertTrue(Files.readString(root.resolve("b/tuned-1/topic.config")).contains("segment.bytes=4096"),
                    "the stray copy is rewritten");
        }
    }

    @Test
    void topicsSpreadOverLogDirsAndSurviveARestartWithTheirIds() throws IOException {
        Uuid id;
        String clusterId;
        long producerId;
        try (LogManager logs = open()) {
            Topic topic = logs.createTopic("events", 3);
            id = topic.id();
            clusterId = logs.clusterId();
            producerId = logs.producerIds().nextProducerId();
            topic.partition(1).append(BatchValidator.validate(Batches.of(1, "kept"), 1 << 20));
            assertTrue(Files.isDirectory(root.resolve("a/events-0")));
            assertTrue(Files.isDirectory(root.resolve("b/events-1")));
            assertTrue(Files.readString(root.resolve("a/events-0/partition.metadata")).contains("topic_id: " + id));
            assertThrows(TopicExistsException.class, () -> logs.createTopic("events", 1));
            assertThrows(InvalidTopicException.class, () -> logs.createTopic("bad/name", 1));
        }
        assertTrue(Files.exists(root.resolve("a").resolve(LogManager.CLEAN_SHUTDOWN_FILE)));
        try (LogManager logs = open()) {
            Topic topic = logs.topic("events");
            assertEquals(id, topic.id());
            assertEquals(topic, logs.topic(id));
            assertEquals(clusterId, logs.clusterId());
            assertEquals(3, topic.partitions().size());
            assertEquals(1, topic.partition(1).logEndOffset());
            assertNotEquals(producerId, logs.producerIds().nextProducerId());
            assertFalse(Files.exists(root.resolve("a").resolve(LogManager.CLEAN_SHUTDOWN_FILE)));
        }
    }

    @Test
    void partitionsGrowAndTopicsDelete() throws IOException {
        try (LogManager logs = open()) {
            logs.createTopic("t", 1);
            assertThrows(InvalidPartitionsException.class, () -> logs.createPartitions("t", 1));
            assertEquals(4, logs.createPartitions("t", 4).partitions().size());
            logs.deleteTopic("t");
            assertNull(logs.topic("t"));
            assertFalse(Files.exists(root.resolve("a/t-0")));
        }
        try (LogManager logs = open()) {
            assertNull(logs.topic("t"));
        }
    }

    @Test
    void aSecondBrokerOnTheSameDirsIsRefused() throws IOException {
        try (LogManager logs = open()) {
            IOException e = assertThrows(IOException.class, this::open);
            assertTrue(e.getMessage().contains("in use by another broker"), e.getMessage());
        }
    }
}
