package io.logpipe.shipper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.testkit.KafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/shipper}'s command line: help, test config, test output, and how bad configurations end. */
class ShipperCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Shipper.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpPrintsUsage() {
        assertEquals(0, run("--help"));
        assertTrue(out().startsWith("Usage: bin/shipper -c CONFIG"));
        assertEquals(2, run("--bogus"));
        assertTrue(err().contains("unknown argument '--bogus'"));
    }

    @Test
    void testConfigListsWhatEachInputHarvestsAndWhyPathsAreSkipped() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Files.writeString(logs.resolve("app.log"), "x\n");
        Files.createSymbolicLink(logs.resolve("link.log"), logs.resolve("app.log"));
        Files.createSymbolicLink(logs.resolve("dangling.log"), dir.resolve("nothing"));
        Path cfg = dir.resolve("shipper.yml");
        Files.writeString(cfg, "filebeat.inputs:\n  - paths: ['" + logs + "/*.log']\n    symlinks: false\n"
                + "output.console: {}\nunknown.key: 1\n");
        assertEquals(0, run("test", "config", "-c", cfg.toString()));
        String o = out();
        assertTrue(o.startsWith("Config OK: " + cfg), o);
        assertTrue(o.contains("warning: " + cfg + ":5:14: unknown setting unknown.key is ignored"), o);
        assertTrue(o.contains("  harvest " + logs.resolve("app.log") + " (2 bytes)"), o);
        assertTrue(o.contains("  skip    " + logs.resolve("link.log") + ": symlink to " + logs.resolve("app.log")
                + " (symlinks: false"), o);
        assertTrue(o.contains("  skip    " + logs.resolve("dangling.log") + ": symlink to"), o);
    }

    @Test
    void badConfigurationsExitWithTheirPlace() throws Exception {
        Path cfg = dir.resolve("bad.yml");
        Files.writeString(cfg, "filebeat.inputs:\n  - paths: [/a.log]\n    scan_frequency: often\noutput.console: {}\n");
        assertEquals(1, run("-c", cfg.toString()));
        assertTrue(err().startsWith("shipper: " + cfg + ":3:21: filebeat.inputs[0].scan_frequency: 'often' is not "
                + "a duration"), err());
        assertEquals(1, run("test", "config", "-c", dir.resolve("missing.yml").toString()));
        assertTrue(err().contains(dir.resolve("missing.yml") + ": no such file"), err());
        Files.writeString(cfg, "filebeat.inputs:\n\t- paths: [/a.log]\n");
        assertEquals(1, run("test", "config", "-c", cfg.toString()));
        assertTrue(err().contains(cfg + ":2:1: invalid YAML"), err());
    }

    @Test
    void aSecondShipperOnTheSameDataPathRefusesToStart() throws Exception {
        Path cfg = dir.resolve("s.yml");
        Files.writeString(cfg, "filebeat.inputs:\n  - paths: ['" + dir + "/*.log']\npath.data: " + dir.resolve("d")
                + "\noutput.file: {path: " + dir.resolve("o") + "}\n");
        Agent first = new Agent(Shipper.load(Shipper.parse(new String[] {"-c", cfg.toString()}), w -> { }),
                List.of());
        first.start();
        try {
            Agent second = new Agent(Shipper.load(Shipper.parse(new String[] {"-c", cfg.toString()}), w -> { }),
                    List.of());
            IOException e = Assertions.assertThrows(IOException.class,
                    second::start);
            assertTrue(e.getMessage().contains("another shipper is running"), e.getMessage());
        } finally {
            first.close();
        }
    }

    @Test
    void testOutputReportsTheClusterOrTheFailure() throws Exception {
        KafkaBroker broker = KafkaBroker.shared();
        Path cfg = dir.resolve("k.yml");
        Files.writeString(cfg, "filebeat.inputs:\n  - paths: [/a.log]\noutput.kafka:\n  hosts: ['"
                + broker.bootstrapServers() + "']\n  topic: probe\n");
        assertEquals(0, run("test", "output", "-c", cfg.toString()), out());
        assertTrue(out().contains(broker.bootstrapServers() + ": TCP connect ... OK"), out());
        assertTrue(out().contains("1 broker(s)"), out());
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        out.reset();
        assertEquals(1, run("test", "output", "-c", cfg.toString(), "-E", "output.kafka.hosts=['127.0.0.1:" + dead
                + "']"));
        assertTrue(out().contains("127.0.0.1:" + dead + ": TCP connect ... ERROR"), out());
    }
}
