package io.logpipe.indexer.plugins;

import io.logpipe.indexer.dlq.DeadLetterQueue;

/**
 * What a plugin learns about the pipeline it runs in: the pipeline's id, its one dead-letter queue (shared by every
 * output of the pipeline), and the plugin's own {@link PluginStats}, whose id is the plugin's {@code id} setting or
 * the pipeline's default for it.
 */
public record PluginContext(String pipelineId, DeadLetterQueue deadLetterQueue, PluginStats stats) {
    /** The context of the next plugin of the same pipeline. */
    public PluginContext forPlugin(PluginStats pluginStats) {
        return new PluginContext(pipelineId, deadLetterQueue, pluginStats);
    }
}
