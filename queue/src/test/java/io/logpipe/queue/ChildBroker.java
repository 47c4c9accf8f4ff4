package io.logpipe.queue;

import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The broker as users run it: a separate JVM started through the real main class with a server.properties file, so
 * that tests can kill it with SIGKILL and read what it printed.
 */
public final class ChildBroker implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("queue-server: listening on PLAINTEXT://[^ ]*:(\\d+)");
    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final int port;

    private ChildBroker(Process process, Path stdout, Path stderr, int port) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.port = port;
    }

    /** Starts {@code bin/queue-server}'s main class with {@code config}; waits until it listens. */
    public static ChildBroker start(Path config, Path workDir, String... overrides) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path out = Files.createTempFile(workDir, "broker", ".out");
        Path err = Files.createTempFile(workDir, "broker", ".err");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                QueueServer.class.getName(), config.toString()));
        for (String override : overrides) {
            command.add("--override");
            command.add(override);
        }
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        // A test JVM that exits without closing this broker still takes it down.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "child-broker-reaper"));
        int[] port = new int[1];
        try {
            Wait.until("the broker listening", Duration.ofSeconds(30), Duration.ofMillis(50), () -> {
                Matcher m = LISTENING.matcher(Files.readString(out, StandardCharsets.UTF_8));
                if (m.find()) {
                    port[0] = Integer.parseInt(m.group(1));
                    return true;
                }
                if (!process.isAlive()) {
                    throw new AssertionError("broker exited with " + process.exitValue() + ":\n" + Files.readString(err)
                            + Files.readString(out));
                }
                return false;
            });
        } catch (AssertionError e) {
            process.destroyForcibly();
            boolean timedOut = e.getMessage().startsWith("timed out");
            throw new IOException(e.getMessage() + (timedOut ? ":\n" + Files.readString(err) : ""), e);
        }
        return new ChildBroker(process, out, err, port[0]);
    }

    /** Runs the main class to completion (for start-up failures) and returns exit code and output. */
    public static String[] runToExit(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), QueueServer.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("did not exit");
        }
        return new String[] {Integer.toString(process.exitValue()), new String(output, StandardCharsets.UTF_8)};
    }

    public int port() {
        return port;
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** A producer with the client's defaults and string serializers; close it when done. */
    public org.apache.kafka.clients.producer.KafkaProducer<String, String> producer() {
        java.util.Properties props = new java.util.Properties();
        props.put("bootstrap.servers", bootstrap());
        props.put("key.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName());
        props.put("value.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName());
        return new org.apache.kafka.clients.producer.KafkaProducer<>(props);
    }

    public String stderr() throws IOException {
        return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    /** The broker's resident set size, from /proc (Linux). */
    public long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS for process " + process.pid());
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no flush, no clean-shutdown marker. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: the broker's clean stop. Returns the exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
