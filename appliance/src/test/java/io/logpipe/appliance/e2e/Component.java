package io.logpipe.appliance.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One part of the pipeline run through its real launcher in {@code bin/} (which execs the JVM, so the launched
 * process is the part itself): started, killed with SIGKILL, started again on the same configuration and data.
 * Output goes to {@code <name>.log} (appended across restarts).
 */
final class Component implements AutoCloseable {
    private final String name;
    private final List<String> command;
    private final Path log;
    private final Map<String, String> environment;
    private Process process;
    private int starts;

    Component(String name, Path launcher, List<String> args, Path logDir, Map<String, String> environment) {
        this.name = name;
        this.command = new ArrayList<>(List.of(launcher.toString()));
        this.command.addAll(args);
        this.log = logDir.resolve(name + ".log");
        this.environment = environment;
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    synchronized void start() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        process = builder.start();
        starts++;
    }

    /** SIGKILL, and waits until the process is gone (so a restart never meets the old one's port or locks). */
    synchronized void kill() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " did not die within 60 s of SIGKILL");
        }
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    int starts() {
        return starts;
    }

    @Override
    public synchronized void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
