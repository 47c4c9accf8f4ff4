package io.logpipe.queue.config;

/** A setting that cannot be used: the message names where it came from, the key and what to change. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
