package io.logpipe.indexer.config;

/** A pipeline configuration that cannot run; the message starts with {@code file:line:column}. */
public final class ConfigException extends RuntimeException {
    private final transient Location location;

    public ConfigException(Location location, String message) {
        super(location == null ? message : location + ": " + message);
        this.location = location;
    }

    public Location location() {
        return location;
    }
}
