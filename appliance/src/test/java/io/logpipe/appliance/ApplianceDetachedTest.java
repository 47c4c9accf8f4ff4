package io.logpipe.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The detached appliance as a user runs it, each command its own process: {@code up -d} returns once every part is
 * ready while the supervisor and its parts (the embedded Elasticsearch included) go on running in a session of their
 * own; {@code status} says each part is healthy; a second {@code up -d} refuses and starts nothing; {@code down}
 * returns within the stop bound with every process the appliance started gone (by pid) and every port refusing
 * connections; a second {@code down} says nothing runs. A supervisor that hangs is killed after down's bound with
 * everything it runs, the daemonized Elasticsearch included; a stale pid file that names another program now is no
 * running appliance.
 */
class ApplianceDetachedTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final List<String> PARTS = List.of("elasticsearch", "queue", "indexer", "shipper");
    /** As the foreground stop's: the parts' bounds (indexer drain 5 s + 20 s, the others 30 s) are rarely all used. */
    private static final Duration STOP_BOUND = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private Appliance.Layout layout;
    private ApplianceConfig config;
    /** Every process the appliance started, by pid, with its command line: for the clean-up of a failed run. */
    private final Map<Long, String> started = new LinkedHashMap<>();
    /** Every port the appliance listens on while it runs. */
    private final List<Integer> listening = new ArrayList<>();
    private final ApplianceRun.Ports ports = ApplianceRun.Ports.pick();

    /** What one command printed and how it exited. */
    record Result(int code, String output) {
    }

    @AfterEach
    void leaveNothingRunning() throws Exception {
        if (!started.isEmpty()) {
            // a supervisor that a failed test left stopped could not stop its parts
            new ProcessBuilder("kill", "-CONT", String.valueOf(started.keySet().iterator().next())).start()
                    .waitFor(30, TimeUnit.SECONDS);
        }
        if (layout != null && Detached.runningPid(layout) != null) {
            run("cleanup-down", STOP_BOUND.multipliedBy(2), "down");
        }
        for (long pid : started.keySet()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private Result run(String name, Duration timeout, String... args) throws Exception {
        Path output = dir.resolve(name + ".out");
        Process process = ApplianceRun.start(config, output, args);
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            fail("bin/appliance " + String.join(" ", args) + " did not return within " + timeout.toSeconds() + " s:\n"
                    + Files.readString(output));
        }
        return new Result(process.exitValue(), Files.readString(output));
    }

    /**
     * Runs up -d, checks that the supervisor and every part go on running after it returned, and collects every
     * process the appliance started into {@link #started} and every port it listens on into {@link #listening}.
     * Returns the supervisor's pid.
     */
    private long upDetached() throws Exception {
        config = ApplianceRun.config(dir, ports);
        layout = new Appliance.Layout(config.dataDir());

        Result up = run("up", Duration.ofMinutes(6), "up", "-d");
        assertEquals(0, up.code(), up.output());
        assertTrue(up.output().contains("appliance: starting in the background (pid "), up.output());
        long supervisor = Long.parseLong(Files.readString(layout.pidFile()).trim());
        assertTrue(up.output().contains("logpipe appliance is up (pid " + supervisor + ")"), up.output());

        // The command has returned; the supervisor goes on, leader of its own session (a closed terminal does not
        // hang it up), and so does every part, each ready.
        assertTrue(Files.exists(proc(supervisor)), "the supervisor " + supervisor + " must outlive up -d");
        assertEquals(supervisor, sessionOf(supervisor), "the supervisor leads a session of its own");
        // with the JVM options up -d was given (bin/appliance's heap flags, JAVA_OPTS), whatever its class path's length
        List<String> arguments = arguments(supervisor);
        assertTrue(arguments.contains("-Xmx128m") && arguments.contains("-D" + EmbeddedElasticsearch.ZIP_PROPERTY + "="
                + System.getProperty("testkit.es.zip")), commandLine(supervisor));
        JsonNode state = ApplianceRun.state(layout);
        assertTrue(state.path("ready").asBoolean(false), state.toString());
        assertEquals(supervisor, state.path("pid").asLong(), state.toString());
        started.put(supervisor, commandLine(supervisor));
        for (String name : PARTS) {
            JsonNode part = ApplianceRun.part(layout, name);
            assertEquals("running", part.path("state").asText(), part.toString());
            long pid = part.path("pid").asLong();
            assertTrue(pid > 0 && Files.exists(proc(pid)), name + " runs: " + part);
            started.put(pid, name + ": " + commandLine(pid));
        }
        String es = "http://127.0.0.1:" + ports.elasticsearch();
        assertTrue(health(es).matches("green|yellow"), health(es));
        // Elasticsearch runs daemonized: not below the supervisor, so its own descendants are collected too.
        long elasticsearch = ApplianceRun.pid(layout, "elasticsearch");
        for (long root : List.of(supervisor, elasticsearch)) {
            ProcessHandle.of(root).orElseThrow().descendants()
                    .forEach(p -> started.putIfAbsent(p.pid(), commandLine(p.pid())));
        }
        listening.addAll(ports.all());
        listening.add(transportPort(es));
        for (int port : listening) {
            assertTrue(ChildPart.portOpen(port), "port " + port + " should be listening while the appliance runs");
        }
        return supervisor;
    }

    @Test
    void upDetachedRunsOnStatusSaysHealthyAndDownLeavesNoProcessAndNoPort() throws Exception {
        long supervisor = upDetached();
        String es = "http://127.0.0.1:" + ports.elasticsearch();

        Result status = run("status", Duration.ofMinutes(1), "status");
        assertEquals(0, status.code(), status.output());
        assertTrue(status.output().startsWith("appliance: running (pid " + supervisor + "), healthy\n"), status.output());
        for (String name : PARTS) {
            assertTrue(status.output().matches("(?s).*\\n  " + name + " +running +pid " + ApplianceRun.pid(layout, name)
                    + " .*"), name + " healthy in:\n" + status.output());
        }
        assertTrue(status.output().matches("(?s).*\\nelasticsearch " + es + ": (green|yellow)\\n.*"), status.output());
        assertTrue(status.output().contains("queue 127.0.0.1:" + ports.queue() + ": listening"), status.output());
        assertTrue(status.output().contains("\nindexer pipeline "), status.output());
        assertTrue(status.output().contains("\nshipper: "), status.output());

        // A second up -d while one runs: refused in plain words, nothing started, the running one untouched.
        Result again = run("up-again", Duration.ofMinutes(1), "up", "-d");
        assertEquals(1, again.code(), again.output());
        assertTrue(again.output().contains("appliance: already running (pid " + supervisor + ")"), again.output());
        assertFalse(again.output().contains("starting in the background"), again.output());
        assertEquals(supervisor, Detached.runningPid(layout));
        assertTrue(ApplianceRun.state(layout).path("ready").asBoolean(false), "the running one's state is kept");

        long stopStarted = System.nanoTime();
        Result down = run("down", STOP_BOUND.plusSeconds(30), "down");
        Duration took = Duration.ofNanos(System.nanoTime() - stopStarted);
        assertEquals(0, down.code(), down.output());
        assertTrue(down.output().contains("appliance: stopped"), down.output());
        assertTrue(took.compareTo(STOP_BOUND) < 0, "down took " + took.toSeconds() + " s, more than the bound");
        assertNothingLeft();
        assertFalse(Files.exists(layout.pidFile()), "down removes the pid file");
        String log = Files.readString(layout.log("appliance"));
        assertTrue(log.contains("appliance stopped"), log);
        assertFalse(log.contains("not a clean stop"), log);

        Result secondDown = run("down-again", Duration.ofMinutes(1), "down");
        assertEquals(0, secondDown.code(), secondDown.output());
        assertEquals("appliance: not running\n", secondDown.output());
        Result stoppedStatus = run("status-stopped", Duration.ofMinutes(1), "status");
        assertEquals(3, stoppedStatus.code(), stoppedStatus.output());
        assertTrue(stoppedStatus.output().startsWith("appliance: not running\n"), stoppedStatus.output());
    }

    /** down has returned: nothing it started may remain, not even a zombie, and no port may still accept. */
    private void assertNothingLeft() {
        List<String> left = new ArrayList<>();
        started.forEach((pid, what) -> {
            if (Files.exists(proc(pid))) {
                left.add(pid + " (" + what + ", state " + processState(pid) + ")");
            }
        });
        assertEquals(List.of(), left, "processes left behind by down (of " + started.size() + " started)");
        for (int port : listening) {
            assertRefused(port);
        }
    }

    @Test
    void downKillsAHungSupervisorWithEveryPartElasticsearchIncluded() throws Exception {
        long supervisor = upDetached();
        // Stopped, it cannot act on SIGTERM: down must kill it, and everything it runs, after its bound.
        signal("STOP", supervisor);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Detached.down(layout, Duration.ofSeconds(5), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String said = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, said);
        assertTrue(said.contains("appliance: still running after 5 s: killing it and its parts"), said);
        assertTrue(said.contains("appliance: stopped"), said);
        assertNothingLeft();
        // Killed, it could not remove its pid file: that names no running appliance any more.
        assertEquals(null, Detached.runningPid(layout));
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).inheritIO().start();
        assertTrue(kill.waitFor(30, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " " + pid);
    }

    @Test
    void aPidFileLeftByADeadSupervisorNamingAnotherProgramNowIsNotTheAppliance() throws Exception {
        config = ApplianceRun.config(dir, ports);
        layout = new Appliance.Layout(config.dataDir());
        // A supervisor killed with SIGKILL, or a power cut, leaves its pid file; after a reboot that pid is soon
        // another program's. down must not stop that program, and up must not take it for a running appliance.
        Process other = new ProcessBuilder("sleep", "600").start();
        try {
            Files.createDirectories(layout.runDir());
            Files.writeString(layout.pidFile(), other.pid() + "\n");

            assertEquals(null, Detached.runningPid(layout), "sleep is not the appliance");
            Result down = run("down", Duration.ofMinutes(1), "down");
            assertEquals(0, down.code(), down.output());
            assertEquals("appliance: not running\n", down.output());
            assertTrue(other.isAlive(), "down stopped an unrelated program (pid " + other.pid() + ")");
            Result status = run("status", Duration.ofMinutes(1), "status");
            assertEquals(3, status.code(), status.output());
            assertTrue(status.output().startsWith("appliance: not running\n"), status.output());
        } finally {
            other.destroyForcibly();
        }
    }

    private static Path proc(long pid) {
        return Path.of("/proc", String.valueOf(pid));
    }

    /** Fields after the command in /proc/PID/stat: state, ppid, pgrp, session, ... */
    private static String[] statFields(long pid) {
        try {
            String stat = Files.readString(proc(pid).resolve("stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
            return new String[] {"gone"};
        }
    }

    private static long sessionOf(long pid) {
        return Long.parseLong(statFields(pid)[3]);
    }

    private static String processState(long pid) {
        return statFields(pid)[0];
    }

    private static List<String> arguments(long pid) throws IOException {
        return List.of(new String(Files.readAllBytes(proc(pid).resolve("cmdline"))).split("\0"));
    }

    /** The command line without the class paths, which would hide everything else in a failure message. */
    private static String commandLine(long pid) {
        try {
            String line = new String(Files.readAllBytes(proc(pid).resolve("cmdline"))).replace('\0', ' ').trim();
            line = line.replaceAll("(-cp|-classpath|--module-path) \\S+", "$1 ...");
            return line.length() > 300 ? line.substring(0, 300) + " ..." : line;
        } catch (IOException e) {
            return "(gone)";
        }
    }

    /** Refused, not merely unanswered: nothing listens there any more. */
    private static void assertRefused(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            fail("port " + port + " still accepts connections after down");
        } catch (ConnectException refused) {
            assertTrue(refused.getMessage().contains("refused"), "port " + port + ": " + refused.getMessage());
        } catch (IOException e) {
            fail("port " + port + ": " + e);
        }
    }

    private static String health(String es) throws Exception {
        return get(es + "/_cluster/health").path("status").asText();
    }

    /** The node's transport port, which the appliance picks itself (next to the HTTP port). */
    private static int transportPort(String es) throws Exception {
        JsonNode node = get(es + "/_nodes/_local/transport").path("nodes").elements().next();
        String address = node.path("transport").path("publish_address").asText();
        assertNotEquals("", address, node.toString());
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), url + ": " + response.body());
        return JSON.readTree(response.body());
    }
}
