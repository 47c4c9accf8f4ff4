package io.logpipe.indexer.prune;

import io.logpipe.common.config.ConfigException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the rules of a retention file once a day at a local time of day, inside the indexer, for installs that
 * have no cron. The file is read anew at every run, so edits apply without a restart; a failed run is logged and
 * the next day's run goes ahead.
 */
public final class PruneScheduler implements AutoCloseable {
    private final Path config;
    private final Clock clock;
    private final PrintStream log;
    private final ScheduledExecutorService timer;
    private volatile LocalTime at;

    public PruneScheduler(Path config, Clock clock, PrintStream log) throws ConfigException {
        this.config = config;
        this.clock = clock;
        this.log = log;
        this.at = RetentionConfig.load(config, System::getenv, log).schedule();
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "prune-scheduler");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Schedules the first run (each run schedules the next) and the disk guard's checks. */
    public void start() {
        scheduleNext();
        try {
            RetentionConfig.DiskGuard guard = RetentionConfig.load(config, System::getenv, log).diskGuard();
            if (guard != null) {
                long every = guard.every().toMillis();
                timer.scheduleWithFixedDelay(this::guardOnce, every, every, TimeUnit.MILLISECONDS);
                log.println("prune: disk guard on: oldest covered indices go while the disk is over "
                        + guard.maxUsedPercent() + "% used (checked every " + guard.every().toSeconds() + " s)");
            }
        } catch (ConfigException e) {
            log.println("prune: disk guard off: " + e.getMessage());
        }
    }

    private void guardOnce() {
        try {
            RetentionConfig.Loaded loaded = RetentionConfig.load(config, System::getenv, log);
            if (loaded.diskGuard() != null) {
                new Pruner(clock, log, false).guardDisk(loaded.rules(), loaded.diskGuard().maxUsedPercent());
            }
        } catch (Exception e) {
            log.println("prune: disk guard check failed, next one in a while: " + e.getMessage());
        }
    }

    /** The first moment at {@code at} (local time in {@code zone}) strictly after {@code now}. */
    static ZonedDateTime nextRun(ZonedDateTime now, LocalTime at) {
        ZonedDateTime today = now.with(at).withNano(0);
        if (!today.toLocalTime().equals(at)) {
            // at falls into a daylight-saving gap today: ZonedDateTime moved it; that moment is the run
            today = now.toLocalDate().atTime(at).atZone(now.getZone());
        }
        return today.isAfter(now) ? today : now.toLocalDate().plusDays(1).atTime(at).atZone(now.getZone());
    }

    private void scheduleNext() {
        ZonedDateTime now = ZonedDateTime.now(clock.withZone(ZoneId.systemDefault()));
        ZonedDateTime next = nextRun(now, at);
        log.println("prune: next retention run at " + next + " (" + config + ")");
        timer.schedule(this::runOnce, Duration.between(now, next).toMillis(), TimeUnit.MILLISECONDS);
    }

    private void runOnce() {
        try {
            RetentionConfig.Loaded loaded = RetentionConfig.load(config, System::getenv, log);
            at = loaded.schedule();
            new Pruner(clock, log, false).run(loaded.rules());
        } catch (Exception e) {
            log.println("prune: scheduled run failed, next one tomorrow: " + e.getMessage());
        } finally {
            scheduleNext();
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
