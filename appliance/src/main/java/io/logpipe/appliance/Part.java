package io.logpipe.appliance;

import java.time.Duration;
import java.util.Map;

/** One supervised part of the appliance: started in order, waited on until ready, restarted when it dies. */
interface Part {
    String name();

    /** Starts the part and returns when it is ready, or throws saying in plain words why it is not. */
    void start() throws Exception;

    boolean isAlive();

    /** Stops it within {@code bound} (SIGTERM, then SIGKILL), freeing its ports. */
    void stop(Duration bound);

    long pid();

    /** Where it is: address, log file, data; for the block printed at start and for status. */
    Map<String, String> where();

    /** The last lines of its log, to show when it failed. */
    String lastLines(int count);
}
