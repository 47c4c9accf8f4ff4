package io.logpipe.shipper.config;

/** A configuration that cannot be used; the message starts with {@code file:line:column} when the place is known. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String where, String message) {
        super(where + ": " + message);
    }
}
