package io.logpipe.indexer.plugins;

import io.logpipe.indexer.event.Event;
import java.util.List;

/**
 * An output plugin. {@link #write} returns once every event of the batch is durably handled (written, or for
 * events that can never succeed, in the dead-letter queue); it retries transient failures itself and never drops.
 */
public interface Output extends AutoCloseable {
    void write(List<Event> events) throws InterruptedException;

    /** Called once when the pipeline starts, before any write; must not wait for the systems the output writes to. */
    default void start() {
    }

    @Override
    default void close() {
    }
}
