package io.logpipe.appliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logpipe.common.config.ConfigException;
import io.logpipe.common.log.RotatingLog;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Entry point of {@code bin/appliance}: the supervisor of the whole pipeline on one host. */
public final class Appliance {
    static final String VERSION = "0.1.0-SNAPSHOT";
    static final String USAGE = """
Usage: bin/appliance up [-d] [--demo] [-c CONFIG]
       bin/appliance down | status [--json] | check | logs PART   [-c CONFIG]

Runs the whole pipeline on this host, each part its own process, in this order: an Elasticsearch node
(unless elasticsearch.hosts names a cluster), the queue (unless kafka.bootstrap_servers names brokers),
the indexer, the shipper, and the console (when bin/console exists). Each is waited on until it is ready;
a part that dies is restarted with backoff.

  up              run in the foreground; Ctrl-C or SIGTERM stops every part (shipper, indexer, queue,
                  Elasticsearch), the indexer's drain bounded by indexer.shutdown_timeout
  up -d           run detached (log in DATA/log/appliance.log): returns once every part is ready; refuses
                  (exit 1) while one runs; stop with 'down'
  up --demo       also write a demo log (nginx access lines, Java stack traces) and ship it: documents
                  appear in nginx.access-<today> within a minute
  down            stop a detached appliance; returns when every part is gone and its ports are free
                  (exit 0; with none running it says 'not running' and exits 0 too)
  status [--json] each part's health, and the flow: indices, documents, rates, lag, disk free
  check           validate the configs and cross-check them (topics, retention, reachability, disk)
  logs PART       follow a part's log (elasticsearch, queue, indexer, shipper, console, appliance)
  -c CONFIG       the appliance config (default: conf/appliance.yml)
  -h, --help      show this help
  --version       show the version
""";

    private Appliance() {
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args, System.out, System.err);
        } catch (ConfigException e) {
            System.err.println("appliance: " + e.getMessage());
            code = 1;
        } catch (UsageException e) {
            System.err.println("appliance: " + e.getMessage() + " (see --help)");
            code = 2;
        } catch (Exception e) {
            System.err.println("appliance: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            code = 1;
        }
        System.exit(code);
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** Parsed command line. */
    record Arguments(String command, boolean detach, boolean demo, boolean json, String part, Path config,
            boolean detachedChild) {
    }

    static Path home() {
        String home = System.getenv("LOGPIPE_HOME");
        return Path.of(home != null ? home : System.getProperty("logpipe.home", ".")).toAbsolutePath().normalize();
    }

    static Arguments parse(String[] args) {
        String command = null;
        boolean detach = false;
        boolean demo = false;
        boolean json = false;
        boolean child = false;
        String part = null;
        Path config = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help", "help" -> command = "help";
                case "--version", "version" -> command = "version";
                case "-d", "--detach" -> detach = true;
                case "--demo" -> demo = true;
                case "--json" -> json = true;
                case "--detached-child" -> child = true;
                case "-c", "--config" -> {
                    if (i + 1 >= args.length) {
                        throw new UsageException(arg + " needs a file");
                    }
                    config = Path.of(args[++i]);
                }
                case "up", "down", "status", "check", "logs" -> {
                    if (command != null && !command.equals("help")) {
                        throw new UsageException("give one command, not '" + command + "' and '" + arg + "'");
                    }
                    command = command == null ? arg : command;
                }
                default -> {
                    if ("logs".equals(command) && part == null && !arg.startsWith("-")) {
                        part = arg;
                    } else {
                        throw new UsageException("unknown argument '" + arg + "'");
                    }
                }
            }
        }
        if (command == null) {
            throw new UsageException("give a command: up, down, status, check or logs");
        }
        if (command.equals("logs") && part == null) {
            throw new UsageException("logs needs a part: elasticsearch, queue, indexer, shipper, console or appliance");
        }
        return new Arguments(command, detach, demo, json, part, config, child);
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Arguments arguments = parse(args);
        if (arguments.command().equals("help")) {
            out.print(USAGE);
            return 0;
        }
        if (arguments.command().equals("version")) {
            out.println("logpipe appliance " + VERSION);
            return 0;
        }
        Path home = home();
        Path configFile = arguments.config() != null ? arguments.config().toAbsolutePath()
                : home.resolve("conf").resolve("appliance.yml");
        ApplianceConfig config = ApplianceConfig.load(home, configFile).validate();
        config.warnings().forEach(w -> err.println("appliance: " + w));
        Layout layout = new Layout(config.dataDir());
        return switch (arguments.command()) {
            case "up" -> arguments.detach() ? Detached.up(args, layout, out, err) : up(config, layout, arguments.demo(), out);
            case "down" -> Detached.down(layout, out, err);
            case "status" -> Status.print(config, layout, arguments.json(), out);
            case "check" -> Check.run(config, out);
            case "logs" -> logs(layout, arguments.part(), err);
            default -> throw new UsageException("unknown command " + arguments.command());
        };
    }

    /** Where the appliance keeps its files under the data dir. */
    record Layout(Path dataDir) {
        Path logDir() {
            return dataDir.resolve("log");
        }

        Path runDir() {
            return dataDir.resolve("run");
        }

        Path stateFile() {
            return runDir().resolve("appliance.json");
        }

        Path pidFile() {
            return runDir().resolve("appliance.pid");
        }

        Path log(String part) {
            return logDir().resolve(part + ".log");
        }
    }

    private static int logs(Layout layout, String part, PrintStream err) throws Exception {
        Path file = part.equals("elasticsearch")
                ? layout.dataDir().resolve("elasticsearch/node/logs/logpipe.log") : layout.log(part);
        if (!Files.exists(file)) {
            err.println("appliance: no log for '" + part + "' at " + file);
            return 1;
        }
        return new ProcessBuilder("tail", "-n", "100", "-F", file.toString()).inheritIO().start().waitFor();
    }

    /** Runs the appliance in the foreground until SIGTERM or Ctrl-C. */
    static int up(ApplianceConfig config, Layout layout, boolean demo, PrintStream out) throws Exception {
        Files.createDirectories(layout.runDir());
        Long running = Detached.runningPid(layout);
        if (running != null && running != ProcessHandle.current().pid()) {
            throw new IllegalStateException("the appliance is already running (pid " + running + "); see bin/appliance"
                    + " status, or stop it with bin/appliance down");
        }
        Files.writeString(layout.pidFile(), ProcessHandle.current().pid() + "\n");
        Supervisor supervisor = new Supervisor(layout.stateFile(), out, Clock.systemUTC());
        List<RotatingLog> logs = new ArrayList<>();
        Demo demoLog = null;
        Path shipperConfig = config.shipperConfig();
        if (demo) {
            shipperConfig = Demo.writeShipperConfig(config.dataDir());
            demoLog = Demo.start(config.dataDir(), Clock.systemUTC());
            out.println("demo: writing " + demoLog.log() + " (nginx access lines, Java stack traces), shipped by "
                    + shipperConfig);
        }
        Parts.add(supervisor, config, layout, shipperConfig, logs);
        supervisor.info("data_dir", config.dataDir().toString());
        supervisor.info("config", config.file().toString());
        supervisor.info("elasticsearch_url", config.elasticsearchUrl());
        supervisor.info("kafka_bootstrap_servers", config.kafkaBootstrap());
        supervisor.info("indexer_api", "http://127.0.0.1:" + config.indexerApiPort());
        if (config.shipperEnabled()) {
            supervisor.info("shipper_api", "http://127.0.0.1:" + config.shipperApiPort());
        }
        supervisor.info("indices", indices(config.indexerPipeline()));
        supervisor.info("ready", false);

        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            supervisor.requestStop();
            try {
                finished.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "appliance-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        int code = 0;
        try {
            supervisor.startAll();
            supervisor.info("ready", true);
            // The block first: up -d prints it from the log as soon as the state file says ready.
            out.print(block(supervisor, config));
            out.flush();
            supervisor.writeState();
            supervisor.watch();
        } catch (IllegalStateException e) {
            out.println("appliance: " + e.getMessage());
            code = 1;
        } finally {
            out.println("stopping ...");
            supervisor.stopAll();
            if (demoLog != null) {
                demoLog.close();
            }
            for (RotatingLog log : logs) {
                log.close();
            }
            out.println("appliance stopped");
            Files.deleteIfExists(layout.pidFile());
            finished.countDown();
        }
        return code;
    }

    /** The one block that says where everything is. */
    static String block(Supervisor supervisor, ApplianceConfig config) {
        StringBuilder text = new StringBuilder("\nlogpipe appliance is up (pid " + ProcessHandle.current().pid() + ")\n");
        for (Supervisor.Tracked tracked : supervisor.parts()) {
            text.append(String.format("  %-14s", tracked.part.name()));
            tracked.part.where().forEach((key, value) -> text.append(key).append(' ').append(value).append("   "));
            text.append('\n');
        }
        if (config.embeddedElasticsearch()) {
            text.append("  (embedded Elasticsearch: one node for this machine; set elasticsearch.hosts in ")
                    .append(config.file()).append(" for a cluster)\n");
        } else {
            text.append("  elasticsearch  ").append(String.join(", ", config.elasticsearchHosts())).append(" (external)\n");
        }
        if (!config.bundledQueue()) {
            text.append("  kafka          ").append(config.kafkaBootstrap()).append(" (external)\n");
        }
        text.append("  indices        ").append(String.join(", ", indices(config.indexerPipeline()))).append('\n');
        text.append("  data dir       ").append(config.dataDir()).append('\n');
        text.append("  status         bin/appliance status     stop: Ctrl-C here, or bin/appliance down when detached\n\n");
        return text.toString();
    }

    private static final Pattern INDEX = Pattern.compile("\\bindex\\s*=>\\s*\"([^\"]+)\"");

    /** The index names the pipeline writes, as written there (e.g. nginx.access-%{+YYYY.MM.dd}). */
    static List<String> indices(Path pipeline) {
        List<String> indices = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(pipeline)) {
                String code = line.replaceFirst("#.*", "");
                Matcher m = INDEX.matcher(code);
                if (m.find()) {
                    indices.add(m.group(1));
                }
            }
        } catch (IOException e) {
            // check reports an unreadable pipeline; here the block just has no index
        }
        return indices;
    }

    static JsonNode readState(Layout layout) throws IOException {
        return new ObjectMapper().readTree(layout.stateFile().toFile());
    }

    static Map<String, String> childEnvironment(ApplianceConfig config) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LOGPIPE_HOME", config.home().toString());
        env.put("ELASTICSEARCH_URL", config.elasticsearchUrl());
        env.put("KAFKA_BOOTSTRAP_SERVERS", config.kafkaBootstrap());
        env.put("INDEXER_API", "http://127.0.0.1:" + config.indexerApiPort());
        // the data dirs whose disk use the console's pipeline page shows
        env.put("QUEUE_DATA_DIR", config.dataDir().resolve("data").resolve("queue").toString());
        env.put("INDEXER_DATA_DIR", config.dataDir().resolve("data").resolve("indexer").toString());
        if (config.shipperEnabled()) {
            env.put("SHIPPER_API", "http://127.0.0.1:" + config.shipperApiPort());
        }
        return env;
    }

    static Duration stopBoundOfIndexer(ApplianceConfig config) {
        return config.indexerShutdownDuration().plusSeconds(20);
    }
}
