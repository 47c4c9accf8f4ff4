package io.logpipe.appliance.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code bench/e2e/run}: the fault test at full size (1M lines, several kills of each part by default), then a
 * latency probe: one line at a time into its own file (100 ms to 1.1 s apart) while the numbered lines keep coming
 * at the planned rate, append to searchable. Prints what it found; exits 1 if a line was lost or duplicated, or a
 * probe line was not searchable within 30 s. {@code -DkafkaBrokers=N}
 * runs it against an Apache Kafka cluster of N brokers instead of the bundled queue, {@code -DesNodes=N} against an
 * Elasticsearch cluster of N nodes.
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
        int kafkaBrokers = Integer.getInteger("kafkaBrokers", 0);
        int esNodes = Integer.getInteger("esNodes", 1);
        String against = (kafkaBrokers == 0 ? "the bundled queue" : "a " + kafkaBrokers + "-broker Apache Kafka cluster")
                + ", " + (esNodes == 1 ? "one Elasticsearch node" : "a " + esNodes + "-node Elasticsearch cluster");
        Path work = Files.createTempDirectory(Path.of(System.getProperty("workParent", System.getProperty("java.io.tmpdir"))),
                "logpipe-e2e-bench");
        FaultRun.log("work directory " + work + "; " + lines + " lines at " + rate + "/s, " + rounds
                + " kill(s) of each part, probe " + probe.toSeconds() + " s; " + against);
        FaultRun.Result r = new FaultRun(work, new FaultRun.Plan(lines, rate, rounds, rotateEvery, probe, kafkaBrokers,
                esNodes)).run();
        System.out.printf("against     %s%n", against);
        System.out.printf("lines       %d (%d rename rotations, %d copytruncate)%n", r.lines(), r.rotations(),
                r.copyTruncations());
        System.out.printf("kills       %s%n", r.kills());
        for (String killed : r.killed()) {
            System.out.printf("  killed    %s%n", killed);
        }
        System.out.printf("lost        %d%s%n", r.lost(), r.missing().isEmpty() ? "" : " e.g. " + r.missing());
        System.out.printf("duplicated  %d%n", r.duplicated());
        System.out.printf("JSON lines  %d of %d indexed; the conflicting one in the dead-letter queue (%d entr%s;"
                + " a replay after an indexer kill may write it again; counted %d by the monitoring API)%n",
                r.jsonDocuments(), FaultRun.JSON_LINES, r.deadLetters().size(), r.deadLetters().size() == 1 ? "y" : "ies",
                r.deadLettersCounted());
        percentiles("append -> searchable", r.probeMillis());
        percentiles("append -> in the topic", r.probeInQueueMillis());
        if (r.probeStall() != null) {
            System.out.printf("probe       STALLED: %s%n", r.probeStall());
        }
        System.exit(r.lost() == 0 && r.duplicated() == 0 && r.probeStall() == null ? 0 : 1);
    }

    private static void percentiles(String what, long[] p) {
        if (p.length > 0) {
            System.out.printf("%s over %d probes: p50 %d ms, p99 %d ms, max %d ms%n", what, p.length,
                    p[(int) Math.min(p.length - 1, Math.round(p.length * 0.50))],
                    p[(int) Math.min(p.length - 1, Math.round(p.length * 0.99))], p[p.length - 1]);
        }
    }
}
