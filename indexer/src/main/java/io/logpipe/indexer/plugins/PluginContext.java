package io.logpipe.indexer.plugins;

import java.nio.file.Path;

/** What plugins learn about the pipeline they run in. */
public record PluginContext(String pipelineId, Path dataDir) {
}
