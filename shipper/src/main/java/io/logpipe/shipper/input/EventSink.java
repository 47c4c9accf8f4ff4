package io.logpipe.shipper.input;

import io.logpipe.shipper.event.Event;

/** Where harvesters put events: a bounded queue that blocks them when the output falls behind (back-pressure). */
public interface EventSink {
    void publish(Event event) throws InterruptedException;
}
