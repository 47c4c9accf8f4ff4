package io.logpipe.indexer.config;

/** An unquoted value such as {@code codec => json}; plugins treat it like a string. */
public record BareWord(String word) {
    @Override
    public String toString() {
        return word;
    }
}
