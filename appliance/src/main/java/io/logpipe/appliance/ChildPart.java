package io.logpipe.appliance;

import io.logpipe.common.elasticsearch.Watchdog;
import io.logpipe.common.log.RotatingLog;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A part run as a child process through its launcher in bin/: its output goes, line by line, to its rotating log;
 * a {@link Watchdog} stops it if the supervisor dies without stopping it (kill -9); readiness is a condition on the
 * part (a port that accepts, an HTTP 200, a line in its log), never a fixed wait.
 */
final class ChildPart implements Part {
    /** What makes a started part ready. */
    sealed interface Readiness permits PortOpen, HttpOk, LogLine, Answers {
    }

    /** Ready when {@code probe} says so (an API asked with its credentials); {@code what} names it in errors. */
    record Answers(String what, java.util.function.BooleanSupplier probe) implements Readiness {
    }

    record PortOpen(int port) implements Readiness {
    }

    record HttpOk(String url) implements Readiness {
    }

    record LogLine(String contains) implements Readiness {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Readiness readiness;
    private final Duration startTimeout;
    private final RotatingLog log;
    private final Map<String, String> where;
    private final Deque<String> tail = new ArrayDeque<>();
    private volatile boolean readyLineSeen;
    private Process process;
    private Process watchdog;

    ChildPart(String name, List<String> command, Map<String, String> environment, Readiness readiness,
            Duration startTimeout, RotatingLog log, Map<String, String> where) {
        this.name = name;
        this.command = command;
        this.environment = environment;
        this.readiness = readiness;
        this.startTimeout = startTimeout;
        this.log = log;
        this.where = new LinkedHashMap<>(where);
        this.where.put("log", log.file().toString());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void start() throws Exception {
        readyLineSeen = false;
        synchronized (tail) {
            tail.clear();
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        builder.environment().putAll(environment);
        log.line("---- appliance: starting " + name + ": " + String.join(" ", command));
        process = builder.start();
        process.getOutputStream().close();
        watchdog = Watchdog.guard(process.pid());
        Thread pump = new Thread(() -> pump(process.getInputStream()), name + "-log");
        pump.setDaemon(true);
        pump.start();
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (!ready()) {
            if (!process.isAlive()) {
                pump.join(2000);
                throw new IllegalStateException(name + " exited with status " + process.exitValue()
                        + " while starting; see " + log.file() + ":\n" + lastLines(15));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " was not ready within " + startTimeout.toSeconds() + " s ("
                        + describe(readiness) + "); see " + log.file() + ":\n" + lastLines(15));
            }
            Thread.sleep(200);
        }
    }

    private static String describe(Readiness readiness) {
        if (readiness instanceof PortOpen p) {
            return "port " + p.port() + " did not accept connections";
        }
        if (readiness instanceof HttpOk h) {
            return h.url() + " did not answer 200";
        }
        if (readiness instanceof Answers a) {
            return a.what() + " did not answer 200";
        }
        return "its log did not say '" + ((LogLine) readiness).contains() + "'";
    }

    private boolean ready() {
        if (readiness instanceof PortOpen p) {
            return portOpen(p.port());
        }
        if (readiness instanceof HttpOk h) {
            return httpOk(h.url());
        }
        if (readiness instanceof Answers a) {
            return a.probe().getAsBoolean();
        }
        return readyLineSeen;
    }

    static boolean portOpen(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static boolean httpOk(String url) {
        try {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void pump(InputStream input) {
        try (InputStream in = new BufferedInputStream(input)) {
            byte[] line = new byte[8192];
            int length = 0;
            for (int b; (b = in.read()) >= 0; ) {
                if (length == line.length) {
                    line = Arrays.copyOf(line, line.length * 2);
                }
                line[length++] = (byte) b;
                if (b == '\n') {
                    consume(line, length);
                    length = 0;
                }
            }
            if (length > 0) {
                line[length++] = '\n';
                consume(line, length);
            }
        } catch (IOException e) {
            // the process went away: what it wrote is in the log
        }
    }

    private void consume(byte[] line, int length) throws IOException {
        log.write(line, length);
        String text = new String(line, 0, length - 1, StandardCharsets.UTF_8);
        if (readiness instanceof LogLine l && text.contains(l.contains())) {
            readyLineSeen = true;
        }
        synchronized (tail) {
            tail.addLast(text);
            if (tail.size() > 50) {
                tail.removeFirst();
            }
        }
    }

    @Override
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The exit status of the last run, once it ended. */
    Integer exitStatus() {
        return process == null || process.isAlive() ? null : process.exitValue();
    }

    @Override
    public void stop(Duration bound) {
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            // Through the handle: Process.destroy() also closes our end of the child's output pipe, so the part
            // would die of SIGPIPE on its first log line while draining, and what it says on the way out is lost.
            process.toHandle().destroy();
            try {
                if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                    logLine("did not stop within " + bound.toSeconds() + " s: killed");
                    process.toHandle().destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (watchdog != null) {
            watchdog.destroy();
        }
    }

    private void logLine(String text) {
        try {
            log.line("---- appliance: " + name + " " + text);
        } catch (IOException ignored) {
            // the log's disk is gone: nothing better to do
        }
    }

    @Override
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    @Override
    public Map<String, String> where() {
        return where;
    }

    @Override
    public String lastLines(int count) {
        synchronized (tail) {
            List<String> lines = List.copyOf(tail);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
        }
    }

    static boolean exists(Path launcher) {
        return Files.isExecutable(launcher);
    }
}
