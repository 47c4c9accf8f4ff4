package io.logpipe.common.config;

/**
 * A configuration that cannot be used, in any component: the message starts with {@code file:line:column} (or the
 * setting's source) when the place is known, and says what to change. Unchecked, because it ends the start and is
 * reported once at the top (each component's {@code main}), not handled on the way there.
 */
public class ConfigException extends RuntimeException {
    private final transient Location location;

    public ConfigException(String message) {
        super(message);
        this.location = null;
    }

    /** {@code where} is the place as printed, {@code file:line:column} or the name of the source. */
    public ConfigException(String where, String message) {
        super(where + ": " + message);
        this.location = null;
    }

    /** Without a {@code location} the message stands alone. */
    public ConfigException(Location location, String message) {
        super(location == null ? message : location + ": " + message);
        this.location = location;
    }

    /** The place, when it was given as a {@link Location}; null otherwise. */
    public Location location() {
        return location;
    }
}
