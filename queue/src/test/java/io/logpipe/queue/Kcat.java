package io.logpipe.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** librdkafka's kcat (Debian package, installed by .ci/run) as the tests run it. */
public final class Kcat {
    private Kcat() {
    }

    /** Runs kcat with {@code args} and {@code stdin}; returns its stdout, failing with its stderr on a non-zero exit. */
    public static String run(String stdin, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kcat"));
        command.addAll(args);
        Path stderr = Files.createTempFile("kcat", ".err");
        try {
            Process process;
            try {
                process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
            } catch (IOException e) {
                throw new IOException("kcat is needed for this test: apt-get install kcat (.ci/run does it)", e);
            }
            process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> {
                try {
                    process.getInputStream().transferTo(out);
                } catch (IOException ignored) {
                    // the process went away
                }
            });
            reader.start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("kcat timed out: " + command);
            }
            reader.join(5000);
            assertEquals(0, process.exitValue(), "kcat " + command + " failed:\n" + Files.readString(stderr));
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(stderr);
        }
    }
}
