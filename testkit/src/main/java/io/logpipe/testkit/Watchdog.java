package io.logpipe.testkit;

import java.io.IOException;

/** The test kit's name for {@link io.logpipe.common.elasticsearch.Watchdog}: no server outlives the test JVM. */
final class Watchdog {
    private Watchdog() {
    }

    static Process guard(long pid) throws IOException {
        return io.logpipe.common.elasticsearch.Watchdog.guard(pid);
    }
}
