package io.logpipe.appliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code up -d} and {@code down}: the supervisor as a background process of its own session. */
final class Detached {
    private Detached() {
    }

    /**
     * The pid of a running supervisor, or null. A pid file left by a supervisor that could not remove it (SIGKILL, a
     * power cut) may name a pid that is now another program's: only a process running the appliance's main counts,
     * so that down never stops that program and up does not refuse to start.
     */
    static Long runningPid(Appliance.Layout layout) {
        try {
            long pid = Long.parseLong(Files.readString(layout.pidFile()).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(Detached::isAppliance)
                    .map(ProcessHandle::pid).orElse(null);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** Unknown when its arguments cannot be read (another user's process): then it is not ours to stop either. */
    private static boolean isAppliance(ProcessHandle process) {
        if (process.pid() == ProcessHandle.current().pid()) {
            return true;
        }
        // From /proc: on Linux ProcessHandle.Info gives no arguments at all when the command line is longer than a
        // page, and a class path is.
        Path cmdline = Path.of("/proc", String.valueOf(process.pid()), "cmdline");
        List<String> arguments;
        try {
            arguments = List.of(Files.readString(cmdline, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException | UncheckedIOException | SecurityException e) {
            arguments = process.info().arguments().map(List::of).orElse(List.of());
        }
        return arguments.contains(Appliance.class.getName());
    }

    /** Starts the supervisor in the background and returns once every part is ready, or it failed. */
    static int up(String[] args, Appliance.Layout layout, PrintStream out, PrintStream err) throws Exception {
        Long running = runningPid(layout);
        if (running != null) {
            err.println("appliance: already running (pid " + running + "); bin/appliance status shows it");
            return 1;
        }
        Files.createDirectories(layout.logDir());
        Files.deleteIfExists(layout.stateFile());
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            // Its own session: closing the terminal does not hang it up.
            command.add("/usr/bin/setsid");
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // This JVM's options (bin/appliance's heap flags, JAVA_OPTS, -D): from the runtime, not from the command
        // line, which ProcessHandle.Info leaves empty when it is longer than a page.
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Appliance.class.getName());
        for (String arg : args) {
            if (!arg.equals("-d") && !arg.equals("--detach")) {
                command.add(arg);
            }
        }
        command.add("--detached-child");
        Path log = layout.log("appliance");
        Process child = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        out.println("appliance: starting in the background (pid " + child.pid() + "), log " + log);
        while (true) {
            if (!child.isAlive()) {
                err.println("appliance: failed to start; last lines of " + log + ":");
                List<String> lines = Files.readAllLines(log);
                lines.subList(Math.max(0, lines.size() - 25), lines.size()).forEach(err::println);
                return 1;
            }
            Optional<JsonNode> state = state(layout);
            if (state.isPresent() && state.get().path("ready").asBoolean(false)) {
                List<String> lines = Files.readAllLines(log);
                lines.subList(indexOfBlock(lines), lines.size()).forEach(out::println);
                return 0;
            }
            Thread.sleep(250);
        }
    }

    private static int indexOfBlock(List<String> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith("logpipe appliance is up")) {
                return i;
            }
        }
        return Math.max(0, lines.size() - 20);
    }

    static Optional<JsonNode> state(Appliance.Layout layout) {
        try {
            return Optional.of(Appliance.readState(layout));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** How long down waits for the supervisor: the indexer's drain bound plus the others' stops, with room. */
    static final Duration STOP_BOUND = Duration.ofMinutes(4);

    /** Stops a detached supervisor: SIGTERM, and waits until it and every part are gone. */
    static int down(Appliance.Layout layout, PrintStream out, PrintStream err) throws Exception {
        return down(layout, STOP_BOUND, out, err);
    }

    /** As {@link #down(Appliance.Layout, PrintStream, PrintStream)}, killing all after {@code bound}. */
    static int down(Appliance.Layout layout, Duration bound, PrintStream out, PrintStream err) throws Exception {
        Long pid = runningPid(layout);
        if (pid == null) {
            out.println("appliance: not running");
            return 0;
        }
        ProcessHandle supervisor = ProcessHandle.of(pid).orElseThrow();
        List<ProcessHandle> parts = parts(supervisor, layout);
        out.println("appliance: stopping (pid " + pid + "): shipper, indexer, queue, Elasticsearch ...");
        supervisor.destroy();
        // The supervisor itself enforces each part's bound; this one is for a supervisor that hangs.
        long deadline = System.nanoTime() + bound.toNanos();
        while (supervisor.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        if (supervisor.isAlive()) {
            err.println("appliance: still running after " + bound.toSeconds() + " s: killing it and its parts");
            supervisor.destroyForcibly();
            parts.forEach(ProcessHandle::destroyForcibly);
        }
        for (ProcessHandle part : parts) {
            try {
                part.onExit().get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                err.println("appliance: pid " + part.pid() + " (" + part.info().command().orElse("?") + ") still runs"
                        + " 30 s after the supervisor ended; stop it by hand");
                return 1;
            }
        }
        out.println("appliance: stopped");
        return 0;
    }

    /**
     * Every process the supervisor runs: its descendants, and what runs outside its tree, found by the pids in its
     * state file: the embedded Elasticsearch daemonizes (bin/elasticsearch -d), so its watchdog is all that would
     * stop it, and a forced kill of the supervisor's tree kills that watchdog too.
     */
    private static List<ProcessHandle> parts(ProcessHandle supervisor, Appliance.Layout layout) {
        List<ProcessHandle> parts = new ArrayList<>(supervisor.descendants().toList());
        for (JsonNode part : state(layout).map(s -> s.path("parts")).orElse(MissingNode.getInstance())) {
            long pid = part.path("pid").asLong(-1);
            if (pid <= 0) {
                continue;
            }
            ProcessHandle.of(pid).filter(p -> !parts.contains(p)).ifPresent(outside -> {
                parts.add(outside);
                outside.descendants().forEach(parts::add);
            });
        }
        return parts;
    }
}
