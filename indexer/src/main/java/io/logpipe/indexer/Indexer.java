package io.logpipe.indexer;

import io.logpipe.common.config.Variables;
import io.logpipe.common.log.RotatingLog;
import io.logpipe.common.secrets.KeystoreCommand;
import io.logpipe.common.secrets.KeystorePassword;
import io.logpipe.common.secrets.SecretStore;
import io.logpipe.common.config.ConfigException;
import io.logpipe.indexer.config.ConfigParser;
import io.logpipe.indexer.config.ConfigSource;
import io.logpipe.indexer.config.PipelineConfig;
import io.logpipe.indexer.dlq.DeadLetterQueue;
import io.logpipe.indexer.pipeline.MonitoringApi;
import io.logpipe.indexer.pipeline.Pipeline;
import io.logpipe.indexer.pipeline.PipelineSettings;
import io.logpipe.indexer.prune.PruneScheduler;
import io.logpipe.indexer.prune.RetentionConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Entry point of {@code bin/indexer}. */
public final class Indexer {
    static final String USAGE = """
Usage: bin/indexer -f PATH [-t] [--path.settings DIR] [--path.data DIR]
       bin/indexer -e CONFIG_STRING
       bin/indexer --path.settings DIR        (runs the pipelines of DIR/pipelines.yml)
       bin/indexer keystore create|add|list|remove ... [--path.settings DIR]   (also bin/indexer-keystore)

Runs Logstash pipeline files: Kafka in, filters, Elasticsearch out.

  -f, --path.config PATH   a pipeline .conf file, a directory or a glob
  -e, --config.string CFG  a pipeline given inline
  -t, --config.test_and_exit
                           test the configuration (parse, build every plugin, connect each kafka input
                           with its TLS and SASL settings) and exit
  --path.settings DIR      where indexer.yml (logstash.yml keys; a logstash.yml is read when there is no
                           indexer.yml) and pipelines.yml live (default: $LOGPIPE_HOME/conf when it has an indexer.yml)
  --path.data DIR          where the dead-letter queues live (default: path.data of indexer.yml, else data)
  --path.dead_letter_queue DIR
                           one dead-letter queue per pipeline, in DIR/<pipeline.id>/
                           (default: path.data/dead_letter_queue)
  -w, --pipeline.workers N        worker threads (default: number of cores)
  -b, --pipeline.batch.size N     events per batch (default 125)
  -u, --pipeline.batch.delay MS   how long to wait for a batch to fill (default 50)
  --http.host HOST, --http.port PORT
                           monitoring API (default 127.0.0.1:9600; GET /_node/stats/pipelines); HTTPS and
                           HTTP Basic with api.ssl.* and api.auth.* in indexer.yml (required off loopback)
  --log.level LEVEL        error, warn, info, debug, trace
  --path.logs DIR          log to DIR/indexer.log, rotated at 10 MB, 5 files kept (default: stderr)
  --node.name NAME         the name the monitoring API reports (default: the host name)
  --pipeline.shutdown_timeout DURATION
                           how long a stop may drain before leaving events for the next start (default 30s)
  --prune.config FILE      also run the retention rules of FILE daily (or prune.config in indexer.yml)
  keystore                 manage the secrets keystore, path.settings/indexer.keystore: ${KEY} in pipeline
                           files and indexer.yml is looked up there before the environment; protected by the
                           password in LOGSTASH_KEYSTORE_PASS when set (see bin/indexer keystore --help)
  -h, --help               show this help
  -V, --version            print the version

SIGTERM (or Ctrl-C) stops fetching, drains the queued events through the outputs, commits the Kafka
offsets of what was written, and exits. The drain lasts at most pipeline.shutdown_timeout (default 30s):
what an output could not write by then stays uncommitted and is read again at the next start.
""";

    private Indexer() {
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args, System.out, System.err);
        } catch (ConfigException e) {
            System.err.println("indexer: " + e.getMessage());
            code = 1;
        } catch (UsageException e) {
            System.err.println("indexer: " + e.getMessage() + " (see --help)");
            code = 2;
        } catch (java.io.UncheckedIOException e) {
            // a data file the indexer cannot use (a dead-letter queue of a newer release): its message says which
            System.err.println("indexer: " + e.getMessage());
            code = 1;
        } catch (Exception e) {
            System.err.println("indexer: " + e);
            code = 1;
        }
        System.exit(code);
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** The keystore's file name in path.settings (Logstash's is logstash.keystore). */
    static final String KEYSTORE = "indexer.keystore";
    /** The environment variable whose value, when set, is the keystore's password, as Logstash's. */
    static final String KEYSTORE_PASSWORD = "LOGSTASH_KEYSTORE_PASS";

    /**
     * {@code DIR/indexer.keystore} of the settings directory; without one, {@code $LOGPIPE_HOME/conf}'s (or
     * {@code conf/}'s when LOGPIPE_HOME is not set), where Logstash keeps its keystore beside logstash.yml.
     */
    static Path keystoreFile(String settingsDir) {
        if (settingsDir != null) {
            return Path.of(settingsDir, KEYSTORE);
        }
        String home = System.getenv("LOGPIPE_HOME");
        return home != null && !home.isEmpty() ? Path.of(home, "conf", KEYSTORE) : Path.of("conf", KEYSTORE);
    }

    /** Where {@code ${KEY}} is looked up: the keystore when it exists, then the environment (and system properties). */
    static Variables.Lookup variables(String settingsDir) {
        Path keystore = keystoreFile(settingsDir);
        try {
            return SecretStore.variables(keystore, KeystorePassword.from(KEYSTORE_PASSWORD, System::getenv),
                    ConfigParser.ENVIRONMENT);
        } catch (SecretStore.Unreadable e) {
            throw new ConfigException(e.getMessage());
        } catch (IOException e) {
            throw new ConfigException("cannot read the keystore " + keystore + ": " + e.getMessage());
        }
    }

    /** {@code bin/indexer keystore ...} (and {@code bin/indexer-keystore ...}): the keystore of --path.settings. */
    static int keystore(String[] args, PrintStream out, PrintStream err) {
        String settingsDir = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--path.settings")) {
                settingsDir = value(args, ++i, args[i - 1]);
            } else if (args[i].startsWith("--path.settings=")) {
                settingsDir = args[i].substring("--path.settings=".length());
            } else {
                rest.add(args[i]);
            }
        }
        Path file = keystoreFile(settingsDir);
        return new KeystoreCommand("bin/indexer keystore",
                "indexer " + Indexer.class.getPackage().getImplementationVersion(), """
  --path.settings DIR  the keystore is DIR/indexer.keystore (default: $LOGPIPE_HOME/conf)
""", () -> file, KeystorePassword.from(KEYSTORE_PASSWORD, System::getenv), System.in, System.console())
                .run(rest, out, err);
    }

    /** Runs the indexer until its pipelines stop; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length >= 1 && args[0].equals("keystore")) {
            return keystore(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        IndexerSettings cli = new IndexerSettings();
        String settingsDir = null;
        boolean testOnly = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String inline = null;
            if (arg.startsWith("--") && arg.contains("=")) {
                name = arg.substring(0, arg.indexOf('='));
                inline = arg.substring(arg.indexOf('=') + 1);
            }
            switch (name) {
                case "-h", "--help" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "-V", "--version" -> {
                    // Implementation-Version of the jar's manifest, written by the build
                    out.println("indexer " + Indexer.class.getPackage().getImplementationVersion());
                    return 0;
                }
                case "-t", "--config.test_and_exit" -> testOnly = true;
                case "-f", "--path.config" -> cli.set("path.config", inline != null ? inline : value(args, ++i, arg));
                case "-e", "--config.string" -> cli.set("config.string", inline != null ? inline : value(args, ++i, arg));
                case "--path.settings" -> settingsDir = inline != null ? inline : value(args, ++i, arg);
                case "--path.data", "--path.dead_letter_queue", "--http.host", "--http.port", "--api.http.host",
                        "--api.http.port", "--log.level",
                        "--pipeline.workers", "--pipeline.batch.size", "--pipeline.batch.delay", "--pipeline.id",
                        "--prune.config", "--pipeline.shutdown_timeout", "--pipeline.ordered", "--node.name", "--path.logs" ->
                        cli.set(name.substring(2), inline != null ? inline : value(args, ++i, arg));
                case "-w" -> cli.set("pipeline.workers", value(args, ++i, arg));
                case "-b" -> cli.set("pipeline.batch.size", value(args, ++i, arg));
                case "-u" -> cli.set("pipeline.batch.delay", value(args, ++i, arg));
                default -> throw new UsageException("unknown option '" + arg + "'");
            }
        }
        if (settingsDir == null) {
            String home = System.getenv("LOGPIPE_HOME");
            if (home != null && Files.exists(Path.of(home, "conf", "indexer.yml"))) {
                settingsDir = Path.of(home, "conf").toString();
            }
        }
        Variables.Lookup variables = variables(settingsDir);
        IndexerSettings fileSettings = settingsDir == null ? new IndexerSettings()
                : IndexerSettings.load(settingsFile(Path.of(settingsDir)), variables);
        IndexerSettings settings = fileSettings.overlay(cli);
        String pathLogs = settings.string("path.logs", null);
        if (pathLogs != null && !testOnly) {
            // logstash.yml's path.logs: the log goes to DIR/indexer.log, rotated by size (10 MB, 5 files kept).
            RotatingLog file = new RotatingLog(Path.of(pathLogs).resolve("indexer.log"), 10L * 1024 * 1024, 5);
            System.setErr(file.printStream());
            err.println("indexer: logging to " + file.file());
        }
        configureLogging(settings.string("log.level", "info"));
        Logger log = LoggerFactory.getLogger(Indexer.class);
        // Before any pipeline is built: a wrong api.* setting or keystore fails the start (and -t) naming it.
        ApiSettings apiSettings = ApiSettings.from(settings);

        List<IndexerSettings> pipelineSettings = new ArrayList<>();
        if (cli.values.containsKey("path.config") || cli.values.containsKey("config.string")) {
            if (cli.values.containsKey("path.config") && cli.values.containsKey("config.string")) {
                throw new UsageException("give either -f or -e, not both");
            }
            pipelineSettings.add(settings);
        } else if (settingsDir != null && Files.exists(Path.of(settingsDir, "pipelines.yml"))) {
            for (IndexerSettings p : IndexerSettings.loadPipelines(Path.of(settingsDir, "pipelines.yml"), variables)) {
                pipelineSettings.add(settings.overlay(p));
            }
        } else if (settings.values.containsKey("path.config") || settings.values.containsKey("config.string")) {
            pipelineSettings.add(settings);
        } else {
            throw new UsageException("no pipeline: give -f PATH, -e CONFIG or --path.settings DIR with a pipelines.yml");
        }

        Path dataDir = Path.of(settings.string("path.data", "data"));
        List<Pipeline> pipelines = new ArrayList<>();
        List<PipelineSettings> built = new ArrayList<>();
        try {
            for (IndexerSettings p : pipelineSettings) {
                String id = p.string("pipeline.id", "main");
                if (pipelines.stream().anyMatch(existing -> existing.id().equals(id))) {
                    throw new ConfigException(p.values.get("pipeline.id").location(), "duplicate pipeline.id '" + id + "'");
                }
                PipelineConfig config = p.values.containsKey("config.string")
                        ? ConfigSource.fromString(p.string("config.string", ""), variables)
                        : ConfigSource.fromPath(p.string("path.config", ""), variables);
                Path pipelineData = Path.of(p.string("path.data", dataDir.toString()));
                PipelineSettings ps = new PipelineSettings(id,
                        p.workers(Math.max(1, Runtime.getRuntime().availableProcessors())),
                        p.integer("pipeline.batch.size", 125, 1), p.integer("pipeline.batch.delay", 50, 0),
                        pipelineData,
                        p.duration("pipeline.shutdown_timeout", PipelineSettings.DEFAULT_SHUTDOWN_TIMEOUT),
                        Path.of(p.string("path.dead_letter_queue",
                                pipelineData.resolve(DeadLetterQueue.DIRECTORY).toString())));
                pipelines.add(new Pipeline(config, ps));
                built.add(ps);
            }
        } catch (RuntimeException e) {
            pipelines.forEach(Pipeline::stop);
            throw e;
        }
        // The retention rules' daily run, for installs without cron (prune.config in indexer.yml).
        PruneScheduler prune = null;
        String pruneConfig = settings.string("prune.config", null);
        if (pruneConfig != null) {
            try {
                prune = new PruneScheduler(Path.of(pruneConfig), Clock.systemDefaultZone(), out);
            } catch (ConfigException e) {
                pipelines.forEach(Pipeline::stop);
                throw e;
            }
        }
        if (testOnly) {
            // Unlike Logstash's -t, the kafka inputs connect: certificates, credentials and ACLs are checked too.
            List<String> problems = new ArrayList<>();
            for (Pipeline pipeline : pipelines) {
                for (String problem : pipeline.checkInputs(java.time.Duration.ofSeconds(10))) {
                    problems.add("pipeline " + pipeline.id() + ": " + problem);
                }
            }
            if (!problems.isEmpty()) {
                pipelines.forEach(Pipeline::stop);
                if (prune != null) {
                    prune.close();
                }
                problems.forEach(p -> err.println("indexer: " + p));
                return 1;
            }
            pipelines.forEach(Pipeline::stop);
            if (prune != null) {
                prune.close();
            }
            out.println("Configuration OK (" + pipelines.size() + " pipeline(s): "
                    + String.join(", ", pipelines.stream().map(Pipeline::id).toList()) + ")");
            if (settingsDir != null) {
                out.println("settings: " + settingsFile(Path.of(settingsDir)));
            }
            for (PipelineSettings ps : built) {
                out.println("pipeline " + ps.id() + ": " + ps.workers() + " worker(s), batch size " + ps.batchSize()
                        + ", shutdown timeout " + ps.shutdownTimeout().toMillis() / 1000.0 + " s");
            }
            return 0;
        }

        MonitoringApi api = null;
        if (apiSettings.enabled()) {
            api = MonitoringApi.start(apiSettings.host(), apiSettings.port(),
                    settings.string("node.name", MonitoringApi.defaultNodeName()), pipelines, apiSettings.protection());
            log.info("monitoring API on {}/_node/stats/pipelines ({})", apiSettings.url(api.port()),
                    apiSettings.protection().username() == null ? "no login" : "HTTP Basic");
        } else {
            log.info("monitoring API disabled (api.enabled: false)");
        }
        MonitoringApi apiOnStop = api;
        PruneScheduler pruneOnStop = prune;
        Thread hook = new Thread(() -> {
            log.info("stop requested: draining pipelines");
            pipelines.forEach(Pipeline::stop);
            if (apiOnStop != null) {
                apiOnStop.close();
            }
            if (pruneOnStop != null) {
                pruneOnStop.close();
            }
            // A JVM stopped by SIGTERM exits 143 whatever main returns, so the exit status is set here. A drain that
            // ended at its deadline is still a stop as asked (nothing unwritten was committed; what is left is read
            // again at the next start), so it exits 0 too, as pipeline.shutdown_timeout promises, and says so.
            long left = pipelines.stream().mapToLong(Pipeline::leftForNextStart).sum();
            int exit = 0;
            if (pipelines.stream().noneMatch(Pipeline::drainTimedOut)) {
                log.info("stopped: every pipeline drained");
            } else {
                err.println("indexer: the drain timed out (pipeline.shutdown_timeout): " + left
                        + " event(s) left for the next start");
            }
            System.out.flush();
            err.flush();
            Runtime.getRuntime().halt(exit);
        }, "indexer-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        for (Pipeline pipeline : pipelines) {
            pipeline.start();
        }
        if (prune != null) {
            prune.start();
            log.info("retention rules of {} run daily inside the indexer", pruneConfig);
        }
        // Wait until every pipeline has stopped; a pipeline that fails (say, a partition without a committed offset
        // under auto_offset_reset => none) stops the others too, and the exit code says so.
        int code = 0;
        while (true) {
            boolean allStopped = true;
            for (Pipeline pipeline : pipelines) {
                if (!pipeline.awaitStopped(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    allStopped = false;
                } else if (pipeline.failure() != null && code == 0) {
                    err.println("indexer: pipeline " + pipeline.id() + " stopped: " + pipeline.failure());
                    code = 1;
                    new Thread(() -> pipelines.forEach(Pipeline::stop), "indexer-stop-all").start();
                }
            }
            if (allStopped) {
                break;
            }
        }
        if (api != null) {
            api.close();
        }
        if (prune != null) {
            prune.close();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down (SIGTERM): the hook has done the draining
        }
        return code;
    }

    /** {@code DIR/indexer.yml}, else a Logstash user's {@code DIR/logstash.yml}. */
    static Path settingsFile(Path dir) {
        Path ours = dir.resolve("indexer.yml");
        Path logstash = dir.resolve("logstash.yml");
        return Files.exists(ours) || !Files.exists(logstash) ? ours : logstash;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    /** slf4j-simple reads its level once, when the first logger is created: before any logging. */
    private static void configureLogging(String level) {
        String normalized = level.toLowerCase(java.util.Locale.ROOT);
        if (normalized.equals("fatal")) {
            normalized = "error";
        }
        if (!List.of("error", "warn", "info", "debug", "trace").contains(normalized)) {
            throw new ConfigException("log.level must be one of error, warn, info, debug, trace; not '" + level + "'");
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", normalized);
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.vertx", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.netty", "warn");
    }
}
