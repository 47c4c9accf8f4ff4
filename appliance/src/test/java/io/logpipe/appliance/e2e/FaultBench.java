package io.logpipe.appliance.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code bench/e2e/run}: the fault test at full size (1M lines, several kills of each part by default), then a
 * latency probe: one line every 100 ms into its own file while the numbered lines keep coming at the planned rate,
 * append to searchable. Prints what it found; exits 1 if a line was lost or duplicated.
 */
public final class FaultBench {
    private FaultBench() {
    }

    public static void main(String[] args) throws Exception {
        long lines = Long.getLong("lines", 1_000_000);
        int rate = Integer.getInteger("rate", 1_000);
        int rounds = Integer.getInteger("kills", 3);
        int rotateEvery = Integer.getInteger("rotateEvery", 100_000);
        Duration probe = Duration.ofSeconds(Long.getLong("probeSeconds", 60));
        Path work = Files.createTempDirectory("logpipe-e2e-bench");
        FaultRun.log("work directory " + work + "; " + lines + " lines at " + rate + "/s, " + rounds
                + " kill(s) of each part, probe " + probe.toSeconds() + " s");
        FaultRun.Result r = new FaultRun(work, new FaultRun.Plan(lines, rate, rounds, rotateEvery, probe)).run();
        System.out.printf("lines       %d (%d rename rotations, %d copytruncate)%n", r.lines(), r.rotations(),
                r.copyTruncations());
        System.out.printf("kills       %s%n", r.kills());
        System.out.printf("lost        %d%s%n", r.lost(), r.missing().isEmpty() ? "" : " e.g. " + r.missing());
        System.out.printf("duplicated  %d%n", r.duplicated());
        System.out.printf("JSON lines  %d of %d indexed; the conflicting one in the dead-letter queue (%d entr%s;"
                + " a replay after an indexer kill may write it again)%n", r.jsonDocuments(), FaultRun.JSON_LINES,
                r.deadLetters().size(), r.deadLetters().size() == 1 ? "y" : "ies");
        long[] p = r.probeMillis();
        if (p.length > 0) {
            System.out.printf("append -> searchable over %d probes: p50 %d ms, p99 %d ms, max %d ms%n", p.length,
                    p[(int) Math.min(p.length - 1, Math.round(p.length * 0.50))],
                    p[(int) Math.min(p.length - 1, Math.round(p.length * 0.99))], p[p.length - 1]);
        }
        System.exit(r.lost() == 0 && r.duplicated() == 0 ? 0 : 1);
    }
}
