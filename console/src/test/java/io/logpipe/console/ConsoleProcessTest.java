package io.logpipe.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.testkit.FreePorts;
import io.logpipe.testkit.Wait;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console as a real process: SIGTERM, as systemd and the appliance send it, is a clean stop with exit 0. */
class ConsoleProcessTest {
    @TempDir
    Path dir;

    @Test
    void sigtermStopsTheConsoleWithExitZeroAndFreesItsPort() throws Exception {
        int port = FreePorts.pick();
        Path config = Files.writeString(dir.resolve("console.yml"), "server.host: 127.0.0.1\nserver.port: " + port
                + "\n");
        Path log = dir.resolve("console.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process console = new ProcessBuilder(java, "-Xmx128m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), Console.class.getName(), "-c", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Wait.until("the console listening on " + port, Duration.ofSeconds(60),
                    () -> Files.readString(log).contains("console: listening on http://127.0.0.1:" + port));
            console.destroy(); // SIGTERM
            assertTrue(console.waitFor(30, TimeUnit.SECONDS), "stopped within the bound");
            assertEquals(0, console.exitValue(), "a complete stop exits 0, as Kibana does, not 143\n"
                    + Files.readString(log));
            assertTrue(Files.readString(log).contains("console: stopped"), Files.readString(log));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                throw new AssertionError("port " + port + " still answers after the stop");
            } catch (ConnectException expected) {
                // the port is free
            }
        } finally {
            console.destroyForcibly();
        }
    }
}
