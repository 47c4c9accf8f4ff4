package io.logpipe.indexer.plugins;

import io.logpipe.indexer.event.Event;

/** An input plugin: runs until stopped, handing events to the pipeline. */
public interface Input {
    /** Where inputs put events; blocks when the pipeline is full (back-pressure). */
    interface Sink {
        void accept(Event event) throws InterruptedException;

        /** A fatal error: the pipeline stops and the indexer exits with this message. */
        void fail(String message, Throwable cause);
    }

    /** Starts reading; returns once started (reading goes on in the input's own threads). */
    void start(Sink sink) throws Exception;

    /** Stops fetching new events; events already handed over still flow through. */
    void stopFetching();

    /** Commits what has been acknowledged so far and releases resources. */
    void close();
}
