package io.logpipe.shipper.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real shipper process ({@code Shipper -c CONFIG -e}) on the test classpath, its output in {@code log}. */
public final class ShipperProcess {
    private ShipperProcess() {
    }

    public static Process start(Path config, Path log) throws IOException {
        return start(config, log, Map.of());
    }

    /** With {@code environment} added to the test's own. */
    public static Process start(Path config, Path log, Map<String, String> environment) throws IOException {
        ProcessBuilder pb = builder(environment, "-c", config.toString(), "-e");
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        return pb.start();
    }

    /** What one command ({@code Shipper ARGS}) printed, stdout and stderr together, and its exit code. */
    public record Result(int code, String output) {
    }

    /** Runs {@code Shipper args} to its end with {@code stdin} as its standard input (null: none, no terminal). */
    public static Result run(Map<String, String> environment, String stdin, String... args)
            throws IOException, InterruptedException {
        ProcessBuilder pb = builder(environment, args);
        pb.redirectErrorStream(true);
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        Process p = pb.start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("shipper " + String.join(" ", args) + " did not end: " + output);
        }
        return new Result(p.exitValue(), output);
    }

    private static ProcessBuilder builder(Map<String, String> environment, String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), "io.logpipe.shipper.Shipper"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(environment);
        return pb;
    }
}
