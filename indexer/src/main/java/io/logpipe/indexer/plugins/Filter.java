package io.logpipe.indexer.plugins;

import io.logpipe.indexer.event.Event;

/** A filter plugin: changes an event in place (or cancels it). */
public interface Filter {
    /**
     * Filters one event; returns true when the filter "matched" (parsed, converted, ...), which is when Logstash
     * applies the common add_field/add_tag/remove_field/remove_tag options.
     */
    boolean filter(Event event);
}
