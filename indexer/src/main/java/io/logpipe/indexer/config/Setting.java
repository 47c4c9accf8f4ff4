package io.logpipe.indexer.config;

import io.logpipe.common.config.Location;

/**
 * {@code name => value}. The value is a String, Long, Double, Boolean, {@link BareWord}, a List of values,
 * a Map (hash, keys are Strings) or a {@link PluginDefinition} (such as {@code codec => json { ... }}).
 */
public record Setting(String name, Object value, Location location) {
}
