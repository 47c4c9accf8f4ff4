package io.logpipe.queue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import io.logpipe.queue.config.BrokerConfig;
import io.logpipe.common.config.ConfigException;
import io.logpipe.queue.config.PropertiesFile;
import io.logpipe.queue.log.LogConfig;
import io.logpipe.queue.log.LogManager;
import io.logpipe.queue.network.KafkaServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Entry point of {@code bin/queue-server}: a single-node broker that speaks the Kafka wire protocol. */
public final class QueueServer implements AutoCloseable {
    static final String USAGE = """
Usage: bin/queue-server CONFIG [--override key=value ...] [--check]

Starts the bundled Kafka-protocol broker with a Kafka server.properties file.

  CONFIG                    a Kafka server.properties (conf/server.properties)
  --override key=value      override one property of CONFIG (repeatable)
  --check                   validate CONFIG (and the overrides) and exit: 0 valid, 2 not; binds nothing
  -h, --help                show this help
  --version                 print the version

Prints "queue-server: listening on NAME://host:port" once clients can connect; SIGTERM stops it cleanly.
""";

    private static final Logger LOG = LoggerFactory.getLogger(QueueServer.class);

    private final LogManager logs;
    private final KafkaServer server;
    private final List<BrokerConfig.Endpoint> endpoints;

    private QueueServer(LogManager logs, KafkaServer server, List<BrokerConfig.Endpoint> endpoints) {
        this.logs = logs;
        this.server = server;
        this.endpoints = endpoints;
    }

    /** Opens the logs (recovering them if needed) and binds the listeners. */
    public static QueueServer start(BrokerConfig config) throws Exception {
        for (String warning : config.warnings()) {
            LOG.warn(warning);
        }
        LogManager logs = LogManager.open(config.logDirs(), LogConfig.from(config), config.nodeId(),
                config.logRetentionCheckIntervalMs());
        KafkaServer server = new KafkaServer(config, logs);
        try {
            return new QueueServer(logs, server, server.start());
        } catch (Exception e) {
            server.close();
            logs.close();
            throw e;
        }
    }

    public List<BrokerConfig.Endpoint> endpoints() {
        return endpoints;
    }

    public KafkaServer network() {
        return server;
    }

    public LogManager logs() {
        return logs;
    }

    /** Stops accepting and answering, then flushes and closes the logs (a clean shutdown). */
    @Override
    public void close() throws Exception {
        server.close();
        logs.close();
    }

    public static void main(String[] args) {
        String configFile = null;
        List<String> overrides = new ArrayList<>();
        boolean check = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.print(USAGE);
                return;
            } else if (arg.equals("--version")) {
                // Implementation-Version of the jar's manifest, written by the build
                System.out.println("queue " + QueueServer.class.getPackage().getImplementationVersion());
                return;
            } else if (arg.equals("--override")) {
                if (i + 1 >= args.length) {
                    fail("--override needs key=value");
                }
                overrides.add(args[++i]);
            } else if (arg.startsWith("--override=")) {
                overrides.add(arg.substring("--override=".length()));
            } else if (arg.equals("--check")) {
                check = true;
            } else if (arg.startsWith("-")) {
                fail("unknown option " + arg + " (see --help)");
            } else if (configFile == null) {
                configFile = arg;
            } else {
                fail("one CONFIG file expected, got " + configFile + " and " + arg);
            }
        }
        if (configFile == null) {
            fail("CONFIG is missing (see --help)");
        }
        BrokerConfig config;
        try {
            Path path = Path.of(configFile);
            if (!Files.isRegularFile(path)) {
                throw new NoSuchFileException(configFile);
            }
            config = BrokerConfig.load(PropertiesFile.read(path), overrides);
        } catch (ConfigException e) {
            fail(e.getMessage());
            return;
        } catch (java.io.IOException e) {
            fail("cannot read " + configFile + ": " + e);
            return;
        }
        if (check) {
            config.warnings().forEach(w -> System.out.println("queue-server: warning: " + w));
            System.out.println("queue-server: " + configFile + " is valid");
            return;
        }
        QueueServer broker;
        try {
            broker = start(config);
        } catch (Exception e) {
            fail("cannot start: " + e.getMessage());
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping");
            int exit = 0;
            try {
                broker.close();
                LOG.info("stopped cleanly");
            } catch (Exception e) {
                LOG.error("unclean stop: {}", e.toString());
                exit = 1;
            }
            stopped.countDown();
            // A JVM stopped by SIGTERM exits 143 whatever happened; as Kafka's broker does, a complete stop exits 0
            // and a failed one not. Only SIGTERM/SIGINT get here: main has no other way out once the broker runs.
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(exit);
        }, "queue-server-stop"));
        for (BrokerConfig.Endpoint endpoint : broker.endpoints()) {
            BrokerConfig.Endpoint advertised = config.advertised(endpoint, endpoint.port());
            System.out.println("queue-server: listening on " + endpoint.describe() + " (advertised as "
                    + advertised.host() + ":" + advertised.port() + "), node " + config.nodeId() + ", cluster "
                    + broker.logs().clusterId() + ", log.dirs " + config.logDirs());
        }
        System.out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void fail(String message) {
        System.err.println("queue-server: " + message);
        System.exit(2);
    }
}
