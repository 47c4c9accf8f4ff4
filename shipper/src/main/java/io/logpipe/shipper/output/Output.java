package io.logpipe.shipper.output;

import io.logpipe.shipper.event.Event;
import java.util.List;

/** Where events go. */
public interface Output extends AutoCloseable {
    /**
     * Sends the batch (events with {@code published == false} are skipped) and calls {@code acknowledged} once the
     * destination has acknowledged every event of it, retrying as long as it takes. May return before that (so
     * the next batch can be sent meanwhile) and may block while the destination is full (back-pressure).
     *
     * @throws InterruptedException when the shipper stops
     */
    void publish(List<Event> batch, Runnable acknowledged) throws InterruptedException;

    /** A one-line description for logs: "kafka 127.0.0.1:9092". */
    String describe();

    @Override
    void close();
}
