package io.logpipe.indexer.plugins;

import io.logpipe.indexer.event.Event;
import java.util.List;

/**
 * An output plugin. {@link #write} returns once every event of the batch is durably handled (written, or for
 * events that can never succeed, in the dead-letter queue); it retries transient failures itself and never drops.
 */
public interface Output extends AutoCloseable {
    void write(List<Event> events) throws InterruptedException;

    @Override
    default void close() {
    }
}
