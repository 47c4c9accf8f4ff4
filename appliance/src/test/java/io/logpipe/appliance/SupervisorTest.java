package io.logpipe.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logpipe.common.log.RotatingLog;
import io.logpipe.testkit.Wait;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor on real child processes: a part that crashes (non-zero exit) is restarted and counted; one that
 * stops cleanly (exit 0) is no crash: not counted, not restarted; the state file says so.
 */
class SupervisorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private Supervisor supervisor;

    @AfterEach
    void stop() {
        if (supervisor != null) {
            supervisor.stopAll();
        }
    }

    private Supervisor.Tracked part(String name, String script) throws Exception {
        supervisor = new Supervisor(dir.resolve("run/appliance.json"), new PrintStream(out, true, StandardCharsets.UTF_8),
                Clock.systemUTC());
        ChildPart part = new ChildPart(name, List.of("sh", "-c", "echo ready; " + script), Map.of(),
                new ChildPart.LogLine("ready"), Duration.ofSeconds(30),
                new RotatingLog(dir.resolve(name + ".log"), 1 << 20, 2), Map.of());
        supervisor.add(part, Duration.ofSeconds(10));
        supervisor.startAll();
        return supervisor.parts().get(0);
    }

    /** Runs {@code script} as a part until it ends by itself; the supervisor has looked once since. */
    private Supervisor.Tracked endedOnItsOwn(String name, String script) throws Exception {
        Supervisor.Tracked tracked = part(name, script);
        Wait.until("the part exited", () -> !tracked.part.isAlive());
        supervisor.check(tracked);
        return tracked;
    }

    private static void assertStoppedNotCrashed(Supervisor.Tracked tracked) {
        assertEquals("stopped", tracked.state);
        assertEquals(0, tracked.restarts);
        assertNull(tracked.lastFailure);
    }

    @Test
    void aCleanExitIsNoCrash() throws Exception {
        Supervisor.Tracked tracked = endedOnItsOwn("clean", "sleep 0.5; exit 0");
        assertStoppedNotCrashed(tracked);
        supervisor.check(tracked);
        assertFalse(tracked.part.isAlive(), "not restarted");
        String said = out.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("clean: stopped cleanly (exit status 0) without the appliance asking; not restarted"),
                said);
        JsonNode state = JSON.readTree(dir.resolve("run/appliance.json").toFile()).path("parts").get(0);
        assertEquals("stopped", state.path("state").asText(), state.toString());
        assertEquals(0, state.path("restarts").asInt(), state.toString());
        assertTrue(state.path("last_failure").isNull(), state.toString());
    }

    @Test
    void endedBySigtermIsACleanStopToo() throws Exception {
        Supervisor.Tracked tracked = endedOnItsOwn("termed", "sleep 0.5; kill -TERM $$; sleep 5");
        assertStoppedNotCrashed(tracked);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("termed: stopped cleanly (exit status 143)"));
    }

    @Test
    void aCrashIsRestartedAndCounted() throws Exception {
        Supervisor.Tracked tracked = endedOnItsOwn("crashy", "sleep 0.5; exit 3");
        assertEquals("restarting", tracked.state);
        assertTrue(tracked.lastFailure.startsWith("crashy exited with status 3 at "), tracked.lastFailure);
        Wait.until("restarted after its backoff", () -> {
            supervisor.check(tracked);
            return tracked.state.equals("running") && tracked.part.isAlive();
        });
        assertEquals(1, tracked.restarts);
        JsonNode state = JSON.readTree(dir.resolve("run/appliance.json").toFile()).path("parts").get(0);
        assertEquals(1, state.path("restarts").asInt(), state.toString());
    }

    @Test
    void aStopThatIsNotCleanIsSaid() throws Exception {
        // ignores SIGTERM's default and exits 7 on it: a part whose own stop failed
        Supervisor.Tracked tracked = part("stubborn", "trap 'exit 7' TERM; while :; do sleep 0.1; done");
        supervisor.stopAll();
        String said = out.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("stubborn: stopped after "), said);
        assertTrue(said.contains("(exit status 7: not a clean stop; see " + dir.resolve("stubborn.log") + ")"), said);
        assertEquals("stopped", tracked.state);
    }
}
