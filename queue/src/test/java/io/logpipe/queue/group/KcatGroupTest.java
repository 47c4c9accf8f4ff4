package io.logpipe.queue.group;

import static io.logpipe.queue.group.Groups.createTopic;
import static io.logpipe.queue.group.Groups.produce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import io.logpipe.queue.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** librdkafka's balanced consumer (kcat -G) in a group on the broker: it joins, consumes, commits and resumes. */
class KcatGroupTest {
    @TempDir
    static Path data;
    static TestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(onPath("kcat"), "kcat is not installed (apt-get install -y kcat)");
        broker = TestBroker.start(data, Groups.FAST_GROUPS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs kcat as a group member until it has read to the end of its partitions; returns "partition:value" lines.
     * No -o: in -G mode kcat would apply it over the committed offsets; auto.offset.reset covers a fresh group.
     */
    static List<String> kcatGroupConsume(String group, String topic) throws Exception {
        Process kcat = new ProcessBuilder("kcat", "-b", broker.bootstrap(), "-G", group, "-e", "-q",
                "-f", "%p:%s\\n", "-X", "session.timeout.ms=6000", "-X", "auto.offset.reset=earliest", topic)
                .redirectOutput(data.resolve(group + ".out").toFile()).redirectError(data.resolve(group + ".err").toFile())
                .start();
        if (!kcat.waitFor(60, TimeUnit.SECONDS)) {
            kcat.destroyForcibly();
            throw new AssertionError("kcat did not finish within 60 s");
        }
        String err = Files.readString(data.resolve(group + ".err"));
        assertEquals(0, kcat.exitValue(), "kcat failed: " + err);
        List<String> lines = new ArrayList<>();
        Files.readString(data.resolve(group + ".out")).lines()
                .filter(l -> !l.isBlank()).forEach(lines::add);
        return lines;
    }

    @Test
    void kcatConsumesInAGroupCommitsAndResumesWhereItLeftOff() throws Exception {
        createTopic(broker, "kcat-topic", 3);
        produce(broker, "kcat-topic", "first", 30);

        List<String> first = kcatGroupConsume("kcat-group", "kcat-topic");
        assertEquals(30, first.size(), "every record once: " + first);
        assertEquals(30, new TreeSet<>(first).size());

        try (Admin admin = broker.admin()) {
            Map<TopicPartition, Long> committed = new HashMap<>();
            admin.listConsumerGroupOffsets("kcat-group").partitionsToOffsetAndMetadata().get()
                    .forEach((tp, om) -> committed.put(tp, om.offset()));
            assertEquals(30L, committed.values().stream().mapToLong(Long::longValue).sum(),
                    "kcat committed the end of every partition: " + committed);
            assertEquals(3, committed.size());
        }

        produce(broker, "kcat-topic", "second", 6);
        List<String> second = kcatGroupConsume("kcat-group", "kcat-topic");
        assertEquals(6, second.size(), "only the new records: " + second);
        second.forEach(line -> assertEquals("second", line.substring(line.indexOf(':') + 1, line.indexOf('-'))));
    }
}
