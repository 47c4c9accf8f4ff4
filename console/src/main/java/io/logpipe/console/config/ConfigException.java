package io.logpipe.console.config;

/** A configuration mistake, its message starting with file:line:column where there is one. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
