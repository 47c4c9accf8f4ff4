package io.logpipe.shipper;

import io.logpipe.common.io.AtomicFile;
import io.logpipe.common.io.DirectoryLock;
import io.logpipe.shipper.config.HostName;
import io.logpipe.shipper.config.OutputConfig;
import io.logpipe.shipper.config.ShipperConfig;
import io.logpipe.shipper.event.AgentInfo;
import io.logpipe.shipper.event.EventEncoder;
import io.logpipe.shipper.input.Crawler;
import io.logpipe.shipper.monitoring.ShipperStats;
import io.logpipe.shipper.monitoring.StatsEndpoint;
import io.logpipe.shipper.output.KafkaOutput;
import io.logpipe.shipper.output.Output;
import io.logpipe.shipper.output.PublishWindow;
import io.logpipe.shipper.output.StreamOutput;
import io.logpipe.shipper.registry.Registry;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running shipper: crawler thread (finds and reads files) → bounded queue → publishing thread (output, then
 * registry offsets) plus a thread that writes the registry every {@code filebeat.registry.flush}. SIGTERM stops
 * reading, lets the queue drain for up to {@code filebeat.shutdown_timeout}, and writes the registry a last time.
 */
public final class Agent implements AutoCloseable {
    private final ShipperConfig config;
    private final List<String> warnings;
    private Logger log;
    private DirectoryLock dataLock;
    private Registry registry;
    private Output output;
    private PublishWindow publishWindow;
    private Crawler crawler;
    private Thread crawlerThread;
    private Thread publisherThread;
    private Thread flusherThread;
    private StatsEndpoint statsEndpoint;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Released on close: the flusher finishes the write it is in (never interrupted mid-write) and ends. */
    private final CountDownLatch stopFlushing = new CountDownLatch(1);
    private volatile boolean closing;
    /** Set when close could not finish its work (the registry not written): the exit status says so. */
    private volatile boolean stopFailed;
    /** Set when run ends by itself with its own exit status, which the shutdown hook then leaves alone. */
    private volatile boolean exitingOnItsOwn;

    public Agent(ShipperConfig config, List<String> warnings) {
        this.config = config;
        this.warnings = warnings;
    }

    /** Runs until SIGTERM/SIGINT; the process exit code. */
    int run() {
        try {
            start();
        } catch (IOException | RuntimeException e) {
            System.err.println("shipper: cannot start: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            close();
            if (!exitingOnItsOwn) {
                // A JVM stopped by SIGTERM exits 143 whatever happened; as Filebeat does, a complete stop (drained
                // or at filebeat.shutdown_timeout, the registry written) exits 0, a failed one 1.
                System.out.flush();
                System.err.flush();
                Runtime.getRuntime().halt(stopFailed ? 1 : 0);
            }
        }, "shipper-shutdown"));
        try {
            long lastReport = System.nanoTime();
            long lastCount = 0;
            while (!stopped.await(1, TimeUnit.SECONDS)) {
                if (!closing && (!publisherThread.isAlive() || !crawlerThread.isAlive())) {
                    // an internal error ended a thread (logged where it happened): exit, so that the service
                    // manager restarts the shipper; it resumes from the registry, nothing acknowledged is lost
                    log.error("the {} thread stopped unexpectedly; exiting with status 1",
                            publisherThread.isAlive() ? "reading" : "publishing");
                    exitingOnItsOwn = true;
                    return 1;
                }
                if (System.nanoTime() - lastReport >= 30_000_000_000L) {
                    long now = publishWindow.shipped();
                    log.info("shipped {} event(s) in the last 30s ({} in total), {} file(s) open", now - lastCount,
                            now, crawler.openFiles());
                    lastCount = now;
                    lastReport = System.nanoTime();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Starts every thread; returns immediately. */
    public void start() throws IOException {
        long startNanos = System.nanoTime();
        log = LoggerFactory.getLogger(Agent.class);
        for (String w : warnings) {
            log.warn(w);
        }
        Path data = config.dataPath();
        dataLock = DirectoryLock.acquire(data, "shipper.lock", "another shipper is running with path.data "
                + data.toAbsolutePath() + " (two would ship every line twice); stop it or use another --path.data");
        registry = Registry.open(data);
        String host = HostName.get();
        AgentInfo agent = new AgentInfo(config.name(), host, agentId(data), UUID.randomUUID().toString(),
                AgentInfo.COMPATIBLE_VERSION);
        EventEncoder encoder = new EventEncoder(agent);
        output = createOutput(config.output(), encoder);
        int batch = config.output() instanceof OutputConfig.Kafka k ? k.bulkMaxSize() : 2048;
        publishWindow = new PublishWindow(config.queueEvents(), batch, output);
        crawler = new Crawler(config.inputs(), registry, publishWindow);
        publisherThread = new Thread(publishWindow, "shipper-publisher");
        crawlerThread = new Thread(crawler, "shipper-crawler");
        flusherThread = new Thread(this::flushLoop, "shipper-registry");
        flusherThread.setDaemon(true);
        publisherThread.start();
        crawlerThread.start();
        flusherThread.start();
        log.info("shipper started: {} input(s), output {}, registry {}", config.inputs().size(), output.describe(),
                registry.file().toAbsolutePath());
        if (config.http().enabled()) {
            String version = Agent.class.getPackage().getImplementationVersion();
            ShipperStats stats = new ShipperStats(agent, version == null ? "dev" : version, startNanos,
                    publishWindow, crawler, registry, output);
            try {
                statsEndpoint = StatsEndpoint.start(config.http().host(), config.http().port(), stats);
            } catch (IOException e) {
                close();
                throw e;
            }
            log.info("stats endpoint on http://{}:{}/stats (http.enabled)", config.http().host(),
                    statsEndpoint.port());
        }
    }

    private static Output createOutput(OutputConfig o, EventEncoder encoder) throws IOException {
        if (o instanceof OutputConfig.Kafka k) {
            return new KafkaOutput(k, encoder);
        }
        if (o instanceof OutputConfig.File f) {
            Files.createDirectories(f.path());
            FileOutputStream fos = new FileOutputStream(f.path().resolve(f.filename()).toFile(), true);
            return new StreamOutput(new BufferedOutputStream(fos, 1 << 16), encoder, "file " + f.path()
                    .resolve(f.filename()), () -> {
                        try {
                            fos.getFD().sync();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
        }
        return new StreamOutput(new BufferedOutputStream(System.out, 1 << 16), encoder, "console", () -> { });
    }

    /** The agent's id, kept in {@code path.data/meta.json} across restarts like filebeat's. */
    private static String agentId(Path data) throws IOException {
        Path meta = data.resolve("meta.json");
        if (Files.exists(meta)) {
            String text = Files.readString(meta);
            int i = text.indexOf("\"uuid\":\"");
            if (i >= 0) {
                return text.substring(i + 8, text.indexOf('"', i + 8));
            }
        }
        String id = UUID.randomUUID().toString();
        AtomicFile.writeString(meta, "{\"uuid\":\"" + id + "\"}\n");
        return id;
    }

    private void flushLoop() {
        long interval = Math.max(10, config.registryFlush().toMillis());
        while (true) {
            try {
                if (stopFlushing.await(interval, TimeUnit.MILLISECONDS)) {
                    return; // close() writes the last registry itself, after every acknowledgement
                }
                registry.flush();
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                log.error("writing the registry {} failed: {}; retrying", registry.file(), e.toString());
            }
        }
    }

    public PublishWindow publishWindow() {
        return publishWindow;
    }

    public Crawler crawler() {
        return crawler;
    }

    public Registry registry() {
        return registry;
    }

    /** The stats endpoint's port, or -1 when {@code http.enabled} is false. */
    public int statsPort() {
        return statsEndpoint == null ? -1 : statsEndpoint.port();
    }

    /** Stops reading, drains what was read, writes the registry. Idempotent. */
    @Override
    public synchronized void close() {
        if (closing) {
            return;
        }
        closing = true;
        long drainMillis = config.shutdownTimeout().toMillis();
        log.info("stopping: no more reading; waiting up to {} ms for queued events to be acknowledged", drainMillis);
        try {
            crawler.stop();
            crawlerThread.interrupt();
            crawlerThread.join(10_000);
            publishWindow.drain();
            publisherThread.join(Math.max(1, drainMillis));
            if (publisherThread.isAlive()) {
                log.warn("events still unacknowledged after {} ms (filebeat.shutdown_timeout); they will be read "
                        + "again after the restart", drainMillis);
                publisherThread.interrupt();
                publisherThread.join(5000);
            }
            // An interrupt would abort a registry write in progress (FileChannel I/O is interruptible) after it had
            // taken the 'changed' flag, and the final flush below would then find nothing to write: let the
            // flusher finish, then write what every acknowledgement so far left.
            stopFlushing.countDown();
            flusherThread.join(10_000);
            registry.flush();
            log.info("stopped: {} event(s) shipped; registry written to {}", publishWindow.shipped(), registry.file());
        } catch (InterruptedException e) {
            stopFailed = true;
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            stopFailed = true;
            log.error("writing the registry on shutdown failed: {}", e.toString());
        } finally {
            if (statsEndpoint != null) {
                statsEndpoint.close();
            }
            output.close();
            try {
                dataLock.close();
            } catch (IOException e) {
                // exiting anyway
            }
            stopped.countDown();
        }
    }
}
