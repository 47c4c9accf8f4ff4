package io.logpipe.common.config;

/** A place in a configuration file, printed as {@code file:line:column} (1-based). */
public record Location(String source, int line, int column) {
    @Override
    public String toString() {
        return source + ":" + line + ":" + column;
    }
}
