package io.logpipe.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.logpipe.testkit.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * One package of dist/ installed on this machine for a test, and the machine put back as it was at {@link #close()}:
 * the package purged, and the logpipe user and the directories it created (if they were not there) removed.
 */
final class Dpkg implements AutoCloseable {
    static final Path ETC = Path.of("/etc/logpipe");
    static final Path VAR_LIB = Path.of("/var/lib/logpipe");
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private final String name;
    private final boolean userExisted;
    private final boolean etcExisted;
    private final boolean varExisted;

    /** Skips the test (with why) unless root, with dpkg, and the package not installed already. */
    private Dpkg(String name) throws Exception {
        assumeTrue(Processes.currentUid() == 0, name + " .deb test skipped: dpkg -i needs root (CI runs as root)");
        assumeTrue(exitCode("dpkg", "--version") == 0, name + " .deb test skipped: no dpkg on this machine");
        assumeTrue(!installed(name), name + " .deb test skipped: " + name + " is installed here already; not touching it");
        this.name = name;
        this.userExisted = exitCode("getent", "passwd", "logpipe") == 0;
        this.etcExisted = Files.exists(ETC);
        this.varExisted = Files.exists(VAR_LIB);
    }

    /** Installs dist/NAME_VERSION_all.deb with dpkg -i. */
    static Dpkg install(String name) throws Exception {
        Dpkg dpkg = new Dpkg(name);
        try {
            dpkg.reinstall();
        } catch (Exception | AssertionError e) {
            dpkg.close();
            throw e;
        }
        return dpkg;
    }

    /** dpkg -i again: what an upgrade does to the files on the host, conffiles included. */
    void reinstall() throws Exception {
        run("dpkg", "-i", deb(name).toString());
    }

    String conffiles() throws Exception {
        return run("dpkg-query", "-W", "-f=${Conffiles}", name);
    }

    void remove() throws Exception {
        run("dpkg", "-r", name);
    }

    void purge() throws Exception {
        run("dpkg", "--purge", name);
    }

    /** Runs systemd-analyze verify on the units, where systemd is present; says so where not. */
    static void verifyUnits(Path... units) throws Exception {
        if (exitCode("sh", "-c", "command -v systemd-analyze") != 0) {
            System.out.println("no systemd-analyze on this machine: units not verified");
            return;
        }
        List<String> command = new ArrayList<>(List.of("systemd-analyze", "verify"));
        Arrays.stream(units).map(Path::toString).forEach(command::add);
        run(command.toArray(String[]::new));
    }

    /** The value of {@code name=} in a unit file, which must set it once. */
    static String directive(Path unit, String name) throws IOException {
        List<String> values = Files.readAllLines(unit).stream().filter(l -> l.startsWith(name + "="))
                .map(l -> l.substring(name.length() + 1)).toList();
        assertEquals(1, values.size(), name + "= lines in " + unit);
        return values.get(0);
    }

    /** The command its unit runs, as its unit's User=: runuser -u USER -- EXECSTART... */
    static List<String> asItsUnitRunsIt(Path unit) throws IOException {
        List<String> command = new ArrayList<>(List.of("runuser", "-u", directive(unit, "User"), "--"));
        command.addAll(words(directive(unit, "ExecStart")));
        return command;
    }

    static List<String> words(String text) {
        return List.of(text.strip().split("\\s+"));
    }

    @Override
    public void close() throws Exception {
        if (exitCode("dpkg-query", "-W", name) == 0) {
            exitCode("dpkg", "--purge", name);
        }
        if (!userExisted && exitCode("getent", "passwd", "logpipe") == 0) {
            run("userdel", "logpipe");
            if (exitCode("getent", "group", "logpipe") == 0) {
                run("groupdel", "logpipe");
            }
        }
        if (!etcExisted) {
            deleteIfEmpty(ETC);
        }
        if (!varExisted) {
            deleteIfEmpty(VAR_LIB);
        }
    }

    /** dist/NAME_VERSION_all.deb, the one .deb of that package there. */
    static Path deb(String name) throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("dist.output")))) {
            List<Path> debs = files.filter(p -> p.getFileName().toString().startsWith(name + "_")
                    && p.getFileName().toString().endsWith(".deb")).toList();
            assertEquals(1, debs.size(), "one " + name + " .deb in dist/: " + debs);
            return debs.get(0);
        }
    }

    private static boolean installed(String name) throws Exception {
        return exitCode("sh", "-c", "dpkg-query -W -f='${Status}' " + name + " 2>/dev/null | grep -q 'ok installed'")
                == 0;
    }

    private static void deleteIfEmpty(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            try (Stream<Path> entries = Files.list(directory)) {
                if (entries.findAny().isEmpty()) {
                    Files.delete(directory);
                }
            }
        }
    }

    static String run(String... command) throws Exception {
        return Processes.run(List.of(command), TIMEOUT);
    }

    static int exitCode(String... command) throws Exception {
        return Processes.exitCode(List.of(command), TIMEOUT);
    }
}
