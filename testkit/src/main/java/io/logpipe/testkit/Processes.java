package io.logpipe.testkit;

import io.logpipe.common.elasticsearch.Commands;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** Runs short helper commands and reports their output when they fail (see {@link Commands}). */
public final class Processes {
    private Processes() {
    }

    /** Runs {@code command}; throws with its output when it fails or outlives {@code timeout}. */
    public static String run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        return Commands.run(command, timeout);
    }

    /** Runs {@code command} and returns its exit code, its output discarded. */
    public static int exitCode(List<String> command, Duration timeout) throws IOException, InterruptedException {
        return Commands.exitCode(command, timeout);
    }

    /** The uid this JVM runs as (0 for root). */
    public static int currentUid() {
        return Commands.currentUid();
    }
}
