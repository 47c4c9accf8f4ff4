package io.logpipe.indexer.config;

import io.logpipe.common.config.Location;
import java.util.List;

/** {@code name { settings }} inside an input, filter or output section. */
public record PluginDefinition(String name, List<Setting> settings, Location location) implements Statement {
}
