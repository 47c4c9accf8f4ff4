package io.logpipe.queue.group;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.logpipe.queue.QueueServer;

/** The real broker main class in a child JVM, so a test can kill it with SIGKILL. */
final class QueueServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("queue-server: listening on PLAINTEXT://([^:]+):(\\d+)");

    private final Process process;
    private final String bootstrap;

    private QueueServerProcess(Process process, String bootstrap) {
        this.process = process;
        this.bootstrap = bootstrap;
    }

    /** Starts {@code QueueServer} with a server.properties holding {@code lines}; waits until it listens. */
    static QueueServerProcess start(Path dir, List<String> lines) throws Exception {
        Path config = dir.resolve("server.properties");
        Files.write(config, lines);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                QueueServer.class.getName(), config.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        LinkedBlockingQueue<String> lines2 = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    System.out.println("[child broker] " + line);
                    lines2.add(line);
                }
            } catch (IOException e) {
                // the child went away
            }
        }, "child-broker-output");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            String line = lines2.poll(200, TimeUnit.MILLISECONDS);
            if (line != null) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    return new QueueServerProcess(process, m.group(1) + ":" + m.group(2));
                }
            }
            if (!process.isAlive() && lines2.isEmpty()) {
                throw new IllegalStateException("the broker exited with " + process.exitValue() + " before listening");
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("the broker did not print its listening line within 60 s");
    }

    String bootstrap() {
        return bootstrap;
    }

    /** SIGKILL: no shutdown hook, no flush, no clean-shutdown marker. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
