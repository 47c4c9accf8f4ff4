package io.logpipe.indexer.config;

/** One step of a section: a plugin, or a conditional around further steps. */
public sealed interface Statement permits PluginDefinition, Conditional {
}
