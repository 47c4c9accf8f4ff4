package io.logpipe.queue.group;

import static io.logpipe.queue.group.Groups.consumer;
import static io.logpipe.queue.group.Groups.createTopic;
import static io.logpipe.queue.group.Groups.pollUntil;
import static io.logpipe.queue.group.Groups.sinks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * group.initial.rebalance.delay.ms from server.properties: the first rebalance of an empty group waits for more
 * members, so consumers starting together share the first generation instead of rebalancing once per arrival.
 */
class InitialRebalanceDelayTest {
    @TempDir
    Path data;

    @Test
    void consumersStartingTogetherAreAssignedInOneGenerationAfterTheDelay() throws Exception {
        try (TestBroker broker = TestBroker.start(data, Map.of("group.initial.rebalance.delay.ms", "1500",
                "group.min.session.timeout.ms", "500"))) {
            createTopic(broker, "delayed", 2);
            List<KafkaConsumer<String, String>> consumers = List.of(consumer(broker, "late", Map.of()),
                    consumer(broker, "late", Map.of()));
            try {
                long start = System.currentTimeMillis();
                consumers.forEach(c -> c.subscribe(List.of("delayed")));
                pollUntil(consumers, sinks(2), () -> consumers.stream().allMatch(c -> c.assignment().size() == 1));
                long took = System.currentTimeMillis() - start;
                assertTrue(took >= 1500, "the first assignment waited for the delay, took " + took + " ms");
                for (KafkaConsumer<String, String> c : consumers) {
                    assertEquals(1, c.groupMetadata().generationId(), "no second rebalance was needed");
                }
            } finally {
                consumers.forEach(KafkaConsumer::close);
            }
        }
    }
}
