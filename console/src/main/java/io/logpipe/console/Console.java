package io.logpipe.console;

import io.logpipe.console.auth.PasswordHash;
import io.logpipe.common.config.ConfigException;
import io.logpipe.console.config.ConsoleConfig;
import io.logpipe.console.web.ConsoleServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/** {@code bin/console -c conf/console.yml}: the web console (search, pipeline, queue, indices, dead letters). */
public final class Console {
    static final String USAGE = """
            Usage: bin/console [-c FILE] [--hash-password] [--help] [--version]

            The web console on http://127.0.0.1:5601 (Kibana's port): search the logs, see the pipeline, the queue,
            the indices and retention, and the dead letters. Ready when GET /api/status answers 200.

              -c, --config FILE   console.yml (kibana.yml dialect: server.host, server.port, elasticsearch.hosts,
                                  kafka.bootstrap_servers, indexer.api, pipelines.path, retention.config, console.users,
                                  server.ssl.*, indexer.username/password, indexer.ssl.certificateAuthorities)
                                  (default: $LOGPIPE_HOME/conf/console.yml when it exists, else built-in defaults)
              --hash-password     read a password on standard input, print its hash for console.users
              -h, --help          show this help
              --version           print the version
            """;

    private Console() {
    }

    public static void main(String[] args) {
        configureLogging();
        int code;
        try {
            code = run(args, System.out, System.err);
        } catch (ConfigException e) {
            System.err.println("console: " + e.getMessage());
            code = 1;
        } catch (IllegalArgumentException e) {
            System.err.println("console: " + e.getMessage() + " (see --help)");
            code = 2;
        } catch (Exception e) {
            System.err.println("console: " + e.getMessage());
            code = 1;
        }
        System.exit(code);
    }

    /**
     * Our own lines at info with their time; the Kafka clients only on errors: an unreachable broker is reported
     * once, as the pipeline page's reason, not as a warning every second.
     */
    private static void configureLogging() {
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "info");
        setDefault("org.slf4j.simpleLogger.showDateTime", "true");
        setDefault("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        setDefault("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        setDefault("org.slf4j.simpleLogger.log.io.vertx", "warn");
        setDefault("org.slf4j.simpleLogger.log.io.netty", "warn");
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    static String version() {
        String v = Console.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-h", "--help" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "--version", "-V" -> {
                    out.println("logpipe console " + version());
                    return 0;
                }
                case "--hash-password" -> {
                    String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                    if (line == null || line.isEmpty()) {
                        throw new IllegalArgumentException("give the password on standard input");
                    }
                    out.println(PasswordHash.hash(line.toCharArray()));
                    return 0;
                }
                case "-c", "--config" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(args[i] + " needs a file");
                    }
                    configFile = Path.of(args[++i]);
                }
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        if (configFile == null && System.getenv("LOGPIPE_HOME") != null
                && Path.of(System.getenv("LOGPIPE_HOME"), "conf", "console.yml").toFile().exists()) {
            configFile = Path.of(System.getenv("LOGPIPE_HOME"), "conf", "console.yml");
        }
        ConsoleConfig config = configFile == null ? ConsoleConfig.defaults(System::getenv)
                : ConsoleConfig.load(configFile, System::getenv, err);
        ConsoleServer server = ConsoleServer.start(config, System::getenv, Clock.systemUTC(), version());
        out.println("console: listening on " + (config.tls() ? "https" : "http") + "://" + config.host() + ":" + server.port()
                + (config.requiresLogin() ? " (login required)" : "") + "; Elasticsearch " + config.elasticsearchHosts()
                + ", Kafka " + config.kafkaBootstrapServers() + ", indexer " + config.indexerApi());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            boolean clean = server.stop();
            stopped.countDown();
            // A JVM stopped by SIGTERM exits 143 whatever happened; as Kibana does, a complete stop exits 0, a
            // failed one 1. Only a signal gets here: once the server runs, run has no other way out.
            out.println(clean ? "console: stopped" : "console: the web server did not stop cleanly");
            out.flush();
            err.flush();
            Runtime.getRuntime().halt(clean ? 0 : 1);
        }, "console-shutdown"));
        stopped.await();
        return 0;
    }
}
