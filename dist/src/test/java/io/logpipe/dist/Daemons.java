package io.logpipe.dist;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** The installed commands these tests start as their own processes, each logging to a file, and stop at the end. */
final class Daemons implements AutoCloseable {
    private final List<Process> started = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();

    /** Starts {@code command} in {@code dir} with exactly {@code env}; output to {@code log}. */
    Process start(List<String> command, Path dir, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        started.add(process);
        logs.add(log);
        return process;
    }

    /** What every started process wrote so far: the message of a failed wait. */
    String logs() {
        StringBuilder text = new StringBuilder();
        for (Path log : logs) {
            try {
                text.append("\n--- ").append(log).append(":\n").append(Files.readString(log));
            } catch (IOException e) {
                text.append("\n--- ").append(log).append(": ").append(e);
            }
        }
        return text.toString();
    }

    /**
     * Waits (testkit's {@link Wait}, looking every 200 ms) until {@code condition} holds; fails at once, with every
     * process's log, when a started process exits meanwhile, and after {@code timeout} with the logs too.
     */
    void waitFor(String what, Duration timeout, BooleanSupplier condition) {
        try {
            Wait.until(what, timeout, Duration.ofMillis(200), () -> {
                for (Process process : started) {
                    if (!process.isAlive()) {
                        throw new AssertionError("waiting for " + what + ": " + process.info().command().orElse("a process")
                                + " exited with " + process.exitValue() + logs());
                    }
                }
                return condition.getAsBoolean();
            });
        } catch (AssertionError e) {
            if (e.getMessage() != null && e.getMessage().startsWith("timed out")) {
                throw new AssertionError(e.getMessage() + logs(), e.getCause());
            }
            throw e;
        }
    }

    /** Waits until exactly one document of {@code index} (a pattern) has {@code message} as its message. */
    void waitForDocument(ElasticsearchNode node, String index, String message) throws Exception {
        ElasticsearchClient client = node.client();
        try (var transport = client._transport()) {
            waitFor("a document with message '" + message + "' in " + index, Duration.ofSeconds(120), () -> {
                try {
                    return client.count(c -> c.index(index).allowNoIndices(true)
                            .query(q -> q.matchPhrase(m -> m.field("message").query(message)))).count() == 1;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM to each process and its children (runuser's JVM), newest first; SIGKILL after 30 s. */
    @Override
    public void close() throws InterruptedException {
        for (int i = started.size() - 1; i >= 0; i--) {
            Process process = started.get(i);
            List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
            tree.add(process.toHandle());
            tree.forEach(ProcessHandle::destroy);
            for (ProcessHandle handle : tree) {
                try {
                    handle.onExit().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    handle.destroyForcibly();
                }
            }
        }
        started.clear();
    }
}
