package io.logpipe.appliance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.logpipe.common.io.AtomicFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts the parts in order (Elasticsearch, queue, indexer, shipper, console), each waited on until ready; then
 * watches them: a part that dies is restarted with exponential backoff (1 s doubling to 60 s, reset after 10 minutes
 * of good health) and reported. Stops them in reverse order, each within its bound. Its state — every part's pid,
 * health, restarts — is in {@code DATA/run/appliance.json}, rewritten whole on every change, for {@code status}.
 */
final class Supervisor {
    static final Duration HEALTHY_RESET = Duration.ofMinutes(10);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What the supervisor knows of one part. */
    static final class Tracked {
        final Part part;
        final Duration stopBound;
        String state = "stopped";
        int restarts;
        String lastFailure;
        Instant upSince;
        Instant nextStart;
        long backoffMillis = 1000;

        Tracked(Part part, Duration stopBound) {
            this.part = part;
            this.stopBound = stopBound;
        }
    }

    private final List<Tracked> parts = new ArrayList<>();
    private final Path stateFile;
    private final PrintStream out;
    private final Clock clock;
    private final Map<String, Object> info = new LinkedHashMap<>();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile boolean stopping;

    Supervisor(Path stateFile, PrintStream out, Clock clock) {
        this.stateFile = stateFile;
        this.out = out;
        this.clock = clock;
    }

    void add(Part part, Duration stopBound) {
        parts.add(new Tracked(part, stopBound));
    }

    /** Extra facts for the state file (urls, data dir, indices). */
    void info(String key, Object value) {
        info.put(key, value);
    }

    List<Tracked> parts() {
        return parts;
    }

    /** Starts every part in order; on a failure stops what started and throws with the plain-words reason. */
    void startAll() throws Exception {
        for (Tracked tracked : parts) {
            if (stopping) {
                return;
            }
            out.println("starting " + tracked.part.name() + " ...");
            tracked.state = "starting";
            writeState();
            long started = System.nanoTime();
            try {
                tracked.part.start();
            } catch (Exception e) {
                tracked.state = "failed";
                tracked.lastFailure = e.getMessage();
                writeState();
                stopAll();
                throw new IllegalStateException(tracked.part.name() + " failed to start: " + e.getMessage(), e);
            }
            tracked.state = "running";
            tracked.upSince = clock.instant();
            out.println(tracked.part.name() + ": ready after " + Duration.ofNanos(System.nanoTime() - started).toSeconds()
                    + " s (pid " + tracked.part.pid() + ")");
            writeState();
        }
    }

    /** Watches until {@link #requestStop()}; restarts dead parts with backoff. */
    void watch() throws InterruptedException {
        while (!stopRequested.await(500, TimeUnit.MILLISECONDS)) {
            for (Tracked tracked : parts) {
                if (stopping) {
                    break;
                }
                check(tracked);
            }
        }
    }

    /** One look at one part: notices a death, restarts when its backoff has passed. */
    void check(Tracked tracked) {
        Instant now = clock.instant();
        if (tracked.state.equals("running")) {
            if (tracked.part.isAlive()) {
                if (tracked.upSince != null && Duration.between(tracked.upSince, now).compareTo(HEALTHY_RESET) > 0) {
                    tracked.backoffMillis = 1000;
                }
                return;
            }
            Integer status = tracked.part instanceof ChildPart child ? child.exitStatus() : null;
            if (cleanExit(status)) {
                // A clean stop someone else asked for (kill PID, a part's own end): no crash, so no restart, as
                // systemd's Restart=on-failure; status shows the part stopped.
                tracked.state = "stopped";
                out.println(tracked.part.name() + ": stopped cleanly (exit status " + status + ") without the appliance asking; "
                        + "not restarted (bin/appliance down, then up, starts it again)");
                writeState();
                return;
            }
            String exit = status != null ? "exited with status " + status : "is gone";
            tracked.lastFailure = tracked.part.name() + " " + exit + " at " + now;
            tracked.state = "restarting";
            tracked.nextStart = now.plusMillis(tracked.backoffMillis);
            out.println(tracked.part.name() + ": " + exit + "; restarting in " + tracked.backoffMillis / 1000.0
                    + " s; last lines of " + tracked.part.where().get("log") + ":\n" + indent(tracked.part.lastLines(10)));
            tracked.backoffMillis = Math.min(tracked.backoffMillis * 2, 60_000);
            writeState();
        } else if (tracked.state.equals("restarting") && !now.isBefore(tracked.nextStart)) {
            tracked.part.stop(tracked.stopBound);
            try {
                tracked.part.start();
                tracked.restarts++;
                tracked.state = "running";
                tracked.upSince = clock.instant();
                out.println(tracked.part.name() + ": restarted (pid " + tracked.part.pid() + ", restart "
                        + tracked.restarts + ")");
            } catch (Exception e) {
                tracked.restarts++;
                tracked.lastFailure = e.getMessage();
                tracked.nextStart = clock.instant().plusMillis(tracked.backoffMillis);
                out.println(tracked.part.name() + ": restart failed (" + firstLine(e.getMessage()) + "); next try in "
                        + tracked.backoffMillis / 1000.0 + " s");
                tracked.backoffMillis = Math.min(tracked.backoffMillis * 2, 60_000);
            }
            writeState();
        }
    }

    void requestStop() {
        stopping = true;
        stopRequested.countDown();
    }

    /** Stops every part in reverse order: shipper, indexer, queue, Elasticsearch (console first). */
    synchronized void stopAll() {
        stopping = true;
        for (int i = parts.size() - 1; i >= 0; i--) {
            Tracked tracked = parts.get(i);
            if (tracked.state.equals("stopped")) {
                continue;
            }
            long started = System.nanoTime();
            tracked.part.stop(tracked.stopBound);
            tracked.state = "stopped";
            Integer status = tracked.part instanceof ChildPart child ? child.exitStatus() : null;
            out.println(tracked.part.name() + ": stopped after "
                    + Duration.ofNanos(System.nanoTime() - started).toMillis() / 1000.0 + " s"
                    + (status == null || cleanExit(status) ? "" : " (exit status " + status + ": not a clean stop; see "
                    + tracked.part.where().get("log") + ")"));
            writeState();
        }
    }

    void writeState() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("pid", ProcessHandle.current().pid());
        state.put("updated", clock.instant().toString());
        state.put("stopping", stopping);
        state.putAll(info);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Tracked tracked : parts) {
            Map<String, Object> part = new LinkedHashMap<>();
            part.put("name", tracked.part.name());
            part.put("state", tracked.state);
            part.put("pid", tracked.part.pid());
            part.put("restarts", tracked.restarts);
            part.put("up_since", tracked.upSince == null ? null : tracked.upSince.toString());
            part.put("last_failure", tracked.lastFailure);
            part.putAll(tracked.part.where());
            list.add(part);
        }
        state.put("parts", list);
        try {
            Files.createDirectories(stateFile.getParent());
            // status never reads half a file
            AtomicFile.write(stateFile, JSON.writeValueAsBytes(state));
        } catch (IOException e) {
            out.println("appliance: cannot write " + stateFile + ": " + e.getMessage());
        }
    }

    /**
     * Clean as systemd counts it: exit status 0, or ended by the SIGTERM it was sent (128 + 15, a JVM's status after
     * its shutdown hooks ran). The indexer exits 0 also after a drain that hit pipeline.shutdown_timeout (it says so in its log).
     */
    static boolean cleanExit(Integer status) {
        return status != null && (status == 0 || status == 143);
    }

    static String indent(String text) {
        return text.isEmpty() ? "  (empty)" : "  " + text.replace("\n", "\n  ");
    }

    static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
