package io.logpipe.shipper.config;

import io.logpipe.shipper.event.FormatString;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The one enabled {@code output.*}. */
public sealed interface OutputConfig {

    /** {@code output.kafka}. */
    record Kafka(List<String> hosts, FormatString topic, String topicWhere, FormatString key, Partitioning partition,
                 int requiredAcks, String compression, int compressionLevel, int maxMessageBytes,
                 int bulkMaxSize, String clientId, Duration timeout, Duration brokerTimeout,
                 Duration backoffInit, Duration backoffMax, KafkaSecurity security) implements OutputConfig {
    }

    /** {@code partition.random}, {@code partition.round_robin} or {@code partition.hash} (with optional fields). */
    record Partitioning(String strategy, List<String> hashFields) {
    }

    /** {@code output.console}: one JSON document per line on stdout. */
    record Console(boolean pretty) implements OutputConfig {
    }

    /** {@code output.file}: one JSON document per line appended to {@code path/filename}. */
    record File(Path path, String filename) implements OutputConfig {
    }
}
