package io.logpipe.indexer.pipeline;

import java.nio.file.Path;

/** How one pipeline runs: its id, worker threads, batch size and delay (logstash.yml's pipeline.* keys), data path. */
public record PipelineSettings(String id, int workers, int batchSize, long batchDelayMillis, Path dataDir) {
    public static PipelineSettings defaults(Path dataDir) {
        return new PipelineSettings("main", Math.max(1, Runtime.getRuntime().availableProcessors()), 125, 50, dataDir);
    }

    public PipelineSettings withId(String newId) {
        return new PipelineSettings(newId, workers, batchSize, batchDelayMillis, dataDir);
    }
}
