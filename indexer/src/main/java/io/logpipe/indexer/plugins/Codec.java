package io.logpipe.indexer.plugins;

import io.logpipe.indexer.event.Event;
import java.util.function.Consumer;

/** Turns bytes into events (inputs) and events into bytes (outputs). Implementations are thread-safe. */
public interface Codec {
    void decode(byte[] bytes, Consumer<Event> events);

    byte[] encode(Event event);
}
