package io.logpipe.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.logpipe.testkit.Processes;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Debian's lintian accepts both packages: no error and no warning, besides what their overrides
 * ({@code src/deb/PACKAGE/lintian/}) say is meant so. One lintian run for both, as it unpacks each anyway.
 */
class LintianIT {
    /** About 20 s for both on an idle machine; several times that under a loaded CI. */
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @Test
    void reportsNoErrorAndNoWarningOnEitherPackage() throws Exception {
        assumeTrue(Dpkg.exitCode("sh", "-c", "command -v lintian") == 0,
                "lintian test skipped: no lintian on this machine (Debian's lintian package)");
        List<String> command = List.of("lintian", "--fail-on", "error,warning",
                Dpkg.deb("logpipe-shipper").toString(), Dpkg.deb("logpipe").toString());

        // Exit status 2 on any error or warning: Processes.run then throws with lintian's output, which names them.
        String output = Processes.run(command, TIMEOUT);

        List<String> findings = output.lines().filter(l -> l.startsWith("E: ") || l.startsWith("W: ")).toList();
        assertEquals(List.of(), findings, "lintian: " + output);
    }
}
