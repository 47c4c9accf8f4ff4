package io.logpipe.appliance;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code check}: each config validated by its own component (file:line errors as they give them): the pipeline,
 * the shipper's filebeat.yml, the retention rules, the queue's server.properties with the appliance's overrides.
 * Then the cross-checks no single component can make: a topic the shipper writes that no pipeline reads, or the other way
 * round; an external broker or Elasticsearch that does not answer; an index the pipeline writes that no retention
 * rule covers (it would grow for ever); a data dir on a nearly full disk. Exit status 1 when anything is wrong.
 */
final class Check {
    /** Below this much free space, or this share of the disk, the data dir's disk counts as nearly full. */
    static final long MIN_FREE_BYTES = 2L * 1024 * 1024 * 1024;
    static final double MIN_FREE_SHARE = 0.10;

    private final ApplianceConfig config;
    private final List<String> problems = new ArrayList<>();
    private final List<String> fine = new ArrayList<>();

    private Check(ApplianceConfig config) {
        this.config = config;
    }

    static int run(ApplianceConfig config, PrintStream out) throws Exception {
        Check check = new Check(config);
        check.all();
        check.fine.forEach(line -> out.println("ok:      " + line));
        check.problems.forEach(line -> out.println("PROBLEM: " + line));
        out.println(check.problems.isEmpty() ? "check: everything is consistent"
                : "check: " + check.problems.size() + " problem(s)");
        return check.problems.isEmpty() ? 0 : 1;
    }

    List<String> problems() {
        return problems;
    }

    static List<String> problemsOf(ApplianceConfig config) throws Exception {
        Check check = new Check(config);
        check.all();
        return check.problems;
    }

    private void all() throws Exception {
        Path bin = config.home().resolve("bin");
        validate("pipeline " + config.indexerPipeline(), List.of(bin.resolve("indexer").toString(), "-t", "-f",
                config.indexerPipeline().toString(), "--path.settings", config.indexerSettings().toString()));
        if (config.shipperEnabled()) {
            validate("shipper config " + config.shipperConfig(), List.of(bin.resolve("shipper").toString(), "test",
                    "config", "-c", config.shipperConfig().toString()));
        }
        if (Files.exists(config.retentionConfig())) {
            validate("retention config " + config.retentionConfig(), List.of(bin.resolve("prune").toString(),
                    "--check", "-c", config.retentionConfig().toString()));
        }
        if (config.bundledQueue()) {
            // the file as the queue runs with it: with the listeners and log.dirs the appliance gives it
            List<String> queue = new ArrayList<>(Parts.queueCommand(config));
            queue.add("--check");
            validate("queue config " + config.queueConfig(), queue);
        }
        topics();
        reachability();
        retention();
        disk();
    }

    private void validate(String what, List<String> command) throws Exception {
        if (!Files.exists(Path.of(command.get(command.size() - 1))) && command.get(command.size() - 1).endsWith(".conf")) {
            problems.add(what + " does not exist");
            return;
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(Appliance.childEnvironment(config));
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            problems.add(what + ": validation did not finish within 2 minutes");
        } else if (process.exitValue() != 0) {
            problems.add(what + " is invalid:\n    " + new String(output, StandardCharsets.UTF_8).strip()
                    .replace("\n", "\n    "));
        } else {
            fine.add(what + " is valid");
        }
    }

    private static final Pattern TOPICS = Pattern.compile("\\btopics\\s*=>\\s*\\[([^\\]]*)\\]");
    private static final Pattern QUOTED = Pattern.compile("[\"']([^\"']+)[\"']");

    /** The topics the pipeline's kafka inputs read. */
    static Set<String> pipelineTopics(Path pipeline) throws IOException {
        Set<String> topics = new LinkedHashSet<>();
        StringBuilder code = new StringBuilder();
        for (String line : Files.readAllLines(pipeline)) {
            code.append(line.replaceFirst("#.*", "")).append('\n');
        }
        Matcher m = TOPICS.matcher(code);
        while (m.find()) {
            Matcher q = QUOTED.matcher(m.group(1));
            while (q.find()) {
                topics.add(q.group(1));
            }
        }
        return topics;
    }

    /** The topics the shipper writes: output.kafka.topic, with %{[fields.X]} taken from each input's fields. */
    @SuppressWarnings("unchecked")
    static Set<String> shipperTopics(Path shipperConfig) throws IOException {
        Map<String, Object> root = new Yaml(new LoaderOptions()).load(Files.readString(shipperConfig));
        Set<String> topics = new LinkedHashSet<>();
        Object output = flat(root, "output.kafka");
        String topic = output instanceof Map<?, ?> kafka && kafka.get("topic") != null ? kafka.get("topic").toString()
                : null;
        if (topic == null) {
            return topics;
        }
        Matcher field = Pattern.compile("%\\{\\[fields\\.([^\\]]+)\\]}").matcher(topic);
        if (!field.find()) {
            topics.add(topic);
            return topics;
        }
        Object inputs = flat(root, "filebeat.inputs");
        if (inputs instanceof List<?> list) {
            for (Object input : list) {
                if (input instanceof Map<?, ?> map && map.get("fields") instanceof Map<?, ?> fields
                        && fields.get(field.group(1)) != null) {
                    topics.add(field.replaceFirst(Matcher.quoteReplacement(fields.get(field.group(1)).toString())));
                }
            }
        }
        return topics;
    }

    /** {@code a.b} written flat ({@code a.b: v}) or nested ({@code a: {b: v}}). */
    @SuppressWarnings("unchecked")
    private static Object flat(Map<String, Object> root, String key) {
        if (root == null) {
            return null;
        }
        if (root.containsKey(key)) {
            return root.get(key);
        }
        int dot = key.indexOf('.');
        if (dot > 0 && root.get(key.substring(0, dot)) instanceof Map<?, ?> nested) {
            return flat((Map<String, Object>) nested, key.substring(dot + 1));
        }
        return null;
    }

    private void topics() throws IOException {
        if (!config.shipperEnabled() || !Files.exists(config.shipperConfig()) || !Files.exists(config.indexerPipeline())) {
            return;
        }
        Set<String> shipped = shipperTopics(config.shipperConfig());
        Set<String> read = pipelineTopics(config.indexerPipeline());
        for (String topic : shipped) {
            if (!read.contains(topic)) {
                problems.add("the shipper (" + config.shipperConfig() + ") writes topic '" + topic + "' but no pipeline"
                        + " reads it (" + config.indexerPipeline() + " reads " + read + ")");
            }
        }
        for (String topic : read) {
            if (!shipped.contains(topic)) {
                problems.add("the pipeline (" + config.indexerPipeline() + ") reads topic '" + topic + "' but the"
                        + " shipper writes only " + shipped + " (" + config.shipperConfig() + ")");
            }
        }
        if (problems.stream().noneMatch(p -> p.contains("topic"))) {
            fine.add("the shipper writes " + shipped + ", which the pipeline reads");
        }
    }

    private void reachability() {
        boolean running = Detached.runningPid(new Appliance.Layout(config.dataDir())) != null;
        // The embedded node and the bundled queue answer only while the appliance runs.
        if (!config.bundledQueue() || running) {
            for (String server : config.kafkaBootstrap().split(",")) {
                String address = server.trim().replaceFirst("^[A-Za-z_]+://", "");
                int colon = address.lastIndexOf(':');
                String host = colon > 0 ? address.substring(0, colon) : address;
                int port = colon > 0 ? Integer.parseInt(address.substring(colon + 1)) : 9092;
                reachable("Kafka broker " + server.trim(), host, port);
            }
        }
        if (!config.embeddedElasticsearch() || running) {
            List<String> hosts = config.embeddedElasticsearch() ? List.of(config.elasticsearchUrl())
                    : config.elasticsearchHosts();
            for (String url : hosts) {
                URI uri = URI.create(url.contains("://") ? url : "http://" + url);
                reachable("Elasticsearch " + url, uri.getHost(), uri.getPort() < 0 ? 9200 : uri.getPort());
            }
        }
    }

    private void reachable(String what, String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 3000);
            fine.add(what + " answers");
        } catch (IOException e) {
            problems.add(what + " is unreachable (" + e.getMessage() + ")");
        }
    }

    /** The retention rules' patterns of {@code retention.yml}. */
    @SuppressWarnings("unchecked")
    static List<String> retentionPatterns(Path retention) throws IOException {
        Map<String, Object> root = new Yaml(new LoaderOptions()).load(Files.readString(retention));
        List<String> patterns = new ArrayList<>();
        if (root != null && root.get("rules") instanceof List<?> rules) {
            for (Object rule : rules) {
                if (rule instanceof Map<?, ?> map && map.get("pattern") != null) {
                    patterns.add(map.get("pattern").toString());
                }
            }
        }
        return patterns;
    }

    private void retention() throws IOException {
        if (!Files.exists(config.indexerPipeline())) {
            return;
        }
        List<String> patterns = Files.exists(config.retentionConfig()) ? retentionPatterns(config.retentionConfig())
                : List.of();
        for (String index : Appliance.indices(config.indexerPipeline())) {
            // A name the template yields: every %{...} stands for a date or field value.
            String sample = index.replaceAll("%\\{[^}]*}", "2026.01.01");
            boolean covered = patterns.stream().anyMatch(p -> sample.matches(glob(p)));
            if (covered) {
                fine.add("index " + index + " is covered by a retention rule of " + config.retentionConfig());
            } else {
                problems.add("index " + index + " (written by " + config.indexerPipeline() + ") is covered by no"
                        + " retention rule in " + config.retentionConfig() + " (patterns " + patterns + "): it would"
                        + " grow until the disk is full; add a rule with pattern: \"" + index.replaceAll("%\\{[^}]*}", "*")
                        + "\"");
            }
        }
    }

    private static String glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (String part : pattern.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return regex.toString();
    }

    private void disk() throws IOException {
        Path existing = config.dataDir();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        FileStore store = Files.getFileStore(existing);
        long free = store.getUsableSpace();
        long total = store.getTotalSpace();
        if (free < MIN_FREE_BYTES || free < total * MIN_FREE_SHARE) {
            problems.add("the data dir " + config.dataDir() + " is on a nearly full disk: " + free / (1024 * 1024)
                    + " MB free of " + total / (1024 * 1024) + " MB; free space or set path.data in " + config.file());
        } else {
            fine.add("the data dir " + config.dataDir() + " has " + free / (1024 * 1024 * 1024) + " GB free");
        }
    }
}
