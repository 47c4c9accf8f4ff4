package io.logpipe.shipper.output;

import io.logpipe.shipper.event.Event;
import java.util.List;

/** Where events go. {@link #publish} returns only once every event of the batch is acknowledged. */
public interface Output extends AutoCloseable {
    /**
     * Sends the batch (events with {@code published == false} are skipped) and waits until the destination has
     * acknowledged all of it, retrying as long as it takes.
     *
     * @throws InterruptedException when the shipper stops before the batch was acknowledged
     */
    void publish(List<Event> batch) throws InterruptedException;

    /** A one-line description for logs: "kafka 127.0.0.1:9092". */
    String describe();

    @Override
    void close();
}
