package io.logpipe.common.elasticsearch;

import java.io.IOException;

/**
 * A shell that stops a server process when its stdin closes. The JVM that started the server holds the other end of
 * that pipe, so it closes however the JVM ends, kill -9 included: no server outlives the process that started it.
 */
public final class Watchdog {
    private Watchdog() {
    }

    /** Guards {@code pid}: on this JVM's death it gets SIGTERM, then SIGKILL after 30 s. Keep the returned process. */
    public static Process guard(long pid) throws IOException {
        String script = "cat >/dev/null; kill -TERM " + pid + " 2>/dev/null || exit 0; "
                + "for i in $(seq 1 30); do kill -0 " + pid + " 2>/dev/null || exit 0; sleep 1; done; "
                + "kill -KILL " + pid + " 2>/dev/null; exit 0";
        return new ProcessBuilder("sh", "-c", script)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }
}
