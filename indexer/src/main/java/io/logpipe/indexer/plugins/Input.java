package io.logpipe.indexer.plugins;

import io.logpipe.common.kafka.KafkaAccess;
import io.logpipe.indexer.event.Event;
import java.time.Duration;

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

    /**
     * For a check of the configuration (-t): connects for real to where the input reads from and reports what is
     * wrong there (TLS, SASL, ACLs); null for an input with nothing remote to check.
     */
    default KafkaAccess.Report checkAccess(Duration timeout) throws InterruptedException {
        return null;
    }

    /** Commits what has been acknowledged so far and releases resources. */
    void close();
}
