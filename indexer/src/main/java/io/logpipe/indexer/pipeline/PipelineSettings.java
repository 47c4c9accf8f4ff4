package io.logpipe.indexer.pipeline;

import io.logpipe.indexer.dlq.DeadLetterQueue;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How one pipeline runs: its id, worker threads, batch size and delay (logstash.yml's pipeline.* keys), data path,
 * how long a stop may spend draining ({@code pipeline.shutdown_timeout}) before it leaves what is unwritten
 * unacknowledged for the next start, and the directory of the dead-letter queues ({@code path.dead_letter_queue},
 * default {@code path.data/dead_letter_queue}), where this pipeline's queue is the subdirectory named by its id.
 */
public record PipelineSettings(String id, int workers, int batchSize, long batchDelayMillis, Path dataDir,
        Duration shutdownTimeout, Path deadLetterQueueDir) {
    /** Logstash-like default bound on a stop's drain. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    public PipelineSettings(String id, int workers, int batchSize, long batchDelayMillis, Path dataDir) {
        this(id, workers, batchSize, batchDelayMillis, dataDir, DEFAULT_SHUTDOWN_TIMEOUT);
    }

    public PipelineSettings(String id, int workers, int batchSize, long batchDelayMillis, Path dataDir,
            Duration shutdownTimeout) {
        this(id, workers, batchSize, batchDelayMillis, dataDir, shutdownTimeout,
                dataDir.resolve(DeadLetterQueue.DIRECTORY));
    }

    public static PipelineSettings defaults(Path dataDir) {
        return new PipelineSettings("main", Math.max(1, Runtime.getRuntime().availableProcessors()), 125, 50, dataDir);
    }

    public PipelineSettings withId(String newId) {
        return new PipelineSettings(newId, workers, batchSize, batchDelayMillis, dataDir, shutdownTimeout,
                deadLetterQueueDir);
    }

    public PipelineSettings withShutdownTimeout(Duration timeout) {
        return new PipelineSettings(id, workers, batchSize, batchDelayMillis, dataDir, timeout, deadLetterQueueDir);
    }
}
