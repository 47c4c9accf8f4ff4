import io.logpipe.testkit.KafkaBroker;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Shipper vs rsyslog (imfile -> omkafka), same file, same broker, one run. Started by bench/shipper/run.sh.
 * Measures lines/s from process start until the topic holds every line, the process's CPU seconds and peak RSS.
 */
public final class ShipperBench {
    record Result(String tool, double seconds, long lines, double cpuSeconds, long peakRssKb) {
        double linesPerSecond() {
            return lines / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(System.getProperty("bench.work")).toAbsolutePath();
        Path jar = Path.of(System.getProperty("bench.shipperJar")).toAbsolutePath();
        int sizeMb = Integer.getInteger("bench.sizeMb", 1024);
        int runs = Integer.getInteger("bench.runs", 3);
        Files.createDirectories(work);
        Path data = work.resolve("nginx-" + sizeMb + "m.log");
        long lines = ensureData(data, sizeMb * 1024L * 1024L);
        System.out.printf("data: %s, %d MB, %d lines%n", data, Files.size(data) >> 20, lines);
        try (KafkaBroker broker = KafkaBroker.start(); Admin admin = broker.admin()) {
            System.out.println("broker: " + broker.kind() + " at " + broker.bootstrapServers());
            Map<String, List<Result>> results = new LinkedHashMap<>();
            for (int run = 1; run <= runs; run++) {
                for (String tool : System.getProperty("bench.tools", "rsyslog,shipper,shipper+multiline").split(",")) {
                    String topic = "bench-" + tool.replace('+', '-') + "-" + run;
                    broker.createTopic(topic, 3);
                    Result r = tool.equals("rsyslog")
                            ? runRsyslog(work, data, lines, broker.bootstrapServers(), topic, admin)
                            : runShipper(work, jar, data, lines, broker.bootstrapServers(), topic, admin,
                                    tool.endsWith("multiline"));
                    System.out.printf("run %d %-18s %8.1f s %10.0f lines/s  cpu %7.1f s  peak RSS %6.1f MB%n", run,
                            tool, r.seconds, r.linesPerSecond(), r.cpuSeconds, r.peakRssKb / 1024.0);
                    results.computeIfAbsent(tool, k -> new ArrayList<>()).add(r);
                    admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
                }
            }
            System.out.println();
            System.out.printf("medians over %d run(s), %d lines (%d MB):%n", runs, lines, Files.size(data) >> 20);
            System.out.printf("%-18s %12s %10s %12s%n", "tool", "lines/s", "cpu s", "peak RSS MB");
            Map<String, Double> rate = new LinkedHashMap<>();
            for (Map.Entry<String, List<Result>> e : results.entrySet()) {
                double lps = median(e.getValue().stream().map(Result::linesPerSecond).toList());
                double cpu = median(e.getValue().stream().map(Result::cpuSeconds).toList());
                double rss = median(e.getValue().stream().map(r -> r.peakRssKb / 1024.0).toList());
                rate.put(e.getKey(), lps);
                System.out.printf("%-18s %12.0f %10.1f %12.1f%n", e.getKey(), lps, cpu, rss);
            }
            for (String tool : List.of("shipper", "shipper+multiline")) {
                if (rate.containsKey(tool) && rate.containsKey("rsyslog")) {
                    System.out.printf("ratio %s / rsyslog (lines/s): %.2f%n", tool, rate.get(tool) / rate.get("rsyslog"));
                }
            }
        }
    }

    private static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    /** An nginx "combined" access log of about {@code bytes} bytes; returns its line count. */
    private static long ensureData(Path file, long bytes) throws IOException {
        Path count = file.resolveSibling(file.getFileName() + ".lines");
        if (Files.exists(file) && Files.exists(count)) {
            return Long.parseLong(Files.readString(count).trim());
        }
        System.out.println("writing " + file + " ...");
        Random rnd = new Random(42);
        String[] paths = {"/", "/index.html", "/api/v1/orders", "/api/v1/orders/12345", "/static/app.js",
                "/static/style.css", "/login", "/images/logo.png", "/api/v1/search?q=shoes&page=2", "/health"};
        String[] agents = {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
                "curl/8.4.0", "Go-http-client/1.1"};
        String[] methods = {"GET", "GET", "GET", "POST", "PUT"};
        int[] status = {200, 200, 200, 200, 304, 404, 500, 301};
        long n = 0;
        long written = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            long t = 1_700_000_000L;
            while (written < bytes) {
                String line = String.format("%d.%d.%d.%d - - [%s] \"%s %s HTTP/1.1\" %d %d \"https://example.com%s\" "
                                + "\"%s\"", 10 + rnd.nextInt(200), rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256),
                        java.time.format.DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", java.util.Locale.ROOT)
                                .format(java.time.Instant.ofEpochSecond(t + n / 100).atZone(java.time.ZoneOffset.UTC)),
                        methods[rnd.nextInt(methods.length)], paths[rnd.nextInt(paths.length)],
                        status[rnd.nextInt(status.length)], rnd.nextInt(50_000), paths[rnd.nextInt(paths.length)],
                        agents[rnd.nextInt(agents.length)]);
                w.write(line);
                w.write('\n');
                written += line.length() + 1;
                n++;
            }
        }
        Files.writeString(count, Long.toString(n));
        return n;
    }

    private static Result runShipper(Path work, Path jar, Path data, long lines, String bootstrap, String topic,
                                     Admin admin, boolean multiline) throws Exception {
        Path dir = work.resolve("shipper-run");
        deleteTree(dir);
        Files.createDirectories(dir);
        Path config = dir.resolve("shipper.yml");
        String ml = multiline ? "    multiline.type: pattern\n    multiline.pattern: '^\\d{1,3}\\.\\d{1,3}\\.'\n"
                + "    multiline.negate: true\n    multiline.match: after\n" : "";
        Files.writeString(config, "filebeat.inputs:\n  - type: log\n    paths: ['" + data + "']\n" + ml
                + "path.data: " + dir.resolve("data") + "\n"
                + "output.kafka:\n  hosts: ['" + bootstrap + "']\n  topic: '" + topic + "'\n"
                + "  partition.round_robin: {reachable_only: false}\n  required_acks: 1\n  compression: lz4\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // the flags and environment of bin/shipper
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(launcherFlags(Path.of("bin/shipper")));
        String extra = System.getProperty("bench.shipperOpts", "");
        if (!extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(List.of("-cp", jar.toString(), "io.logpipe.shipper.Shipper", "-c", config.toString(), "-e"));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("shipper.log").toFile());
        return measure(multiline ? "shipper+multiline" : "shipper", pb, lines, topic, admin);
    }

    /** The JVM flags bin/shipper passes (the quoted string on its run_component line), so both stay the same. */
    static List<String> launcherFlags(Path launcher) throws IOException {
        for (String line : Files.readAllLines(launcher)) {
            if (line.startsWith("run_component ")) {
                int open = line.indexOf('"');
                int close = line.indexOf('"', open + 1);
                return List.of(line.substring(open + 1, close).trim().split("\\s+"));
            }
        }
        throw new IllegalStateException(launcher + " has no run_component line with JVM flags");
    }

    private static Result runRsyslog(Path work, Path data, long lines, String bootstrap, String topic, Admin admin)
            throws Exception {
        Path dir = work.resolve("rsyslog-run");
        deleteTree(dir);
        Files.createDirectories(dir.resolve("spool"));
        Path conf = dir.resolve("rsyslog.conf");
        // A JSON document per line, like the shipper's events (timestamp, message, file path, host).
        Files.writeString(conf, """
                global(workDirectory="%s" maxMessageSize="64k")
                module(load="imfile" mode="inotify")
                module(load="omkafka")
                template(name="json" type="list") {
                  constant(value="{\\"@timestamp\\":\\"") property(name="timegenerated" dateFormat="rfc3339")
                  constant(value="\\",\\"message\\":\\"") property(name="msg" format="json")
                  constant(value="\\",\\"log\\":{\\"file\\":{\\"path\\":\\"") property(name="$!metadata!filename" format="json")
                  constant(value="\\"}},\\"host\\":{\\"name\\":\\"") property(name="hostname" format="json")
                  constant(value="\\"}}")
                }
                ruleset(name="tokafka") {
                  action(type="omkafka" broker=["%s"] topic="%s" template="json"
                         confParam=["compression.codec=lz4", "acks=1"] partitions.auto="on")
                }
                input(type="imfile" File="%s" Tag="nginx" ruleset="tokafka" addMetadata="on" freshStartTail="off")
                """.formatted(dir.resolve("spool"), bootstrap, topic, data));
        ProcessBuilder pb = new ProcessBuilder("rsyslogd", "-n", "-f", conf.toString(), "-i",
                dir.resolve("rsyslog.pid").toString());
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("rsyslog.log").toFile());
        return measure("rsyslog", pb, lines, topic, admin);
    }

    private static Result measure(String tool, ProcessBuilder pb, long lines, String topic, Admin admin)
            throws Exception {
        long start = System.nanoTime();
        Process p = pb.start();
        long pid = p.pid();
        long peak = 0;
        double cpu = 0;
        long last = -1;
        long lastChange = System.nanoTime();
        try {
            while (true) {
                Thread.sleep(100);
                peak = Math.max(peak, rss(pid));
                cpu = Math.max(cpu, cpu(pid));
                long have = count(admin, topic);
                if (have >= lines) {
                    break;
                }
                if (have != last) {
                    last = have;
                    lastChange = System.nanoTime();
                } else if (System.nanoTime() - lastChange > 120_000_000_000L || !p.isAlive()) {
                    throw new IllegalStateException(tool + " stalled at " + have + " of " + lines + " records");
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Result(tool, seconds, lines, cpu, peak);
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    private static long count(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        long total = 0;
        for (var e : admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values()) {
            total += e.offset();
        }
        return total;
    }

    private static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            // exited
        }
        return 0;
    }

    private static double cpu(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime + stime, in clock ticks
        } catch (IOException e) {
            return 0;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
