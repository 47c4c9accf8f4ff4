package io.logpipe.queue.log;

import io.logpipe.common.io.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.kafka.common.Uuid;

/** A partition directory's {@code partition.metadata} file, as Kafka writes it: the topic id that owns the directory. */
public final class PartitionMetadata {
    public static final String FILE_NAME = "partition.metadata";

    private PartitionMetadata() {
    }

    public static void write(Path partitionDir, Uuid topicId) throws IOException {
        AtomicFile.writeString(partitionDir.resolve(FILE_NAME), "version: 0\ntopic_id: " + topicId + "\n");
    }

    /** The topic id in {@code partitionDir}, or null when the file is missing or unreadable. */
    public static Uuid read(Path partitionDir) throws IOException {
        Path file = partitionDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return null;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("topic_id:")) {
                try {
                    return Uuid.fromString(line.substring("topic_id:".length()).strip());
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }
}
