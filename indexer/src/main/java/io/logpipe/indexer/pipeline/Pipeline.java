package io.logpipe.indexer.pipeline;

import io.logpipe.common.kafka.KafkaAccess;
import io.logpipe.indexer.config.PipelineConfig;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.pipeline.CompiledPipeline.ConditionalStep;
import io.logpipe.indexer.pipeline.CompiledPipeline.FilterStep;
import io.logpipe.indexer.pipeline.CompiledPipeline.InputStep;
import io.logpipe.indexer.pipeline.CompiledPipeline.OutputStep;
import io.logpipe.indexer.pipeline.CompiledPipeline.Step;
import io.logpipe.indexer.plugins.Input;
import io.logpipe.indexer.plugins.PluginStats;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime of one {@link CompiledPipeline}: inputs feed a bounded queue; {@code workers} threads take batches of
 * up to {@code batchSize} events (waiting at most {@code batchDelay} for a batch to fill), run the filters, hand each
 * output its events, and acknowledge the batch only when every output has returned. Inputs commit only what was
 * acknowledged, so nothing is lost when the process dies at any moment.
 *
 * <p>A stop drains for at most {@link PipelineSettings#shutdownTimeout()}: past it the workers are interrupted, the
 * batches they held and the events still queued stay unacknowledged (read again at the next start), and the stop
 * says how many that was. An output that cannot write (Elasticsearch unreachable) therefore never stalls a stop.
 *
 * <p>It records on each plugin's own {@link PluginStats} the events it handed the plugin and got back and the time
 * spent; the monitoring API reads those, whatever the plugin.
 */
public final class Pipeline {
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    private final CompiledPipeline compiled;
    private final PipelineSettings settings;
    private final BlockingQueue<Event> queue;
    private final LongAdder eventsIn = new LongAdder();
    private final LongAdder eventsFiltered = new LongAdder();
    private final LongAdder eventsOut = new LongAdder();
    private final List<Thread> workers = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean draining;
    /** Set once every input has stopped fetching: from then on an empty queue means the drain is complete. */
    private volatile boolean inputsStopped;
    /** Set when the workers are done: an input's late events are left unacknowledged instead of queued. */
    private volatile boolean abandoned;
    private final LongAdder leftUnacknowledged = new LongAdder();
    private volatile boolean drainTimedOut;
    private volatile boolean started;
    private volatile String failure;

    /** Compiles {@code config} (see {@link PipelineCompiler}: wrong plugins or settings fail here) to run it. */
    public Pipeline(PipelineConfig config, PipelineSettings settings) {
        this(PipelineCompiler.compile(config, settings));
    }

    public Pipeline(CompiledPipeline compiled) {
        this.compiled = compiled;
        this.settings = compiled.settings();
        this.queue = new ArrayBlockingQueue<>(Math.max(16, settings.workers() * settings.batchSize() * 2));
    }

    public String id() {
        return settings.id();
    }

    /**
     * Each input with a remote source connects for real with its settings ({@link Input#checkAccess}): one line
     * for each that found its source and something wrong (TLS, SASL, ACLs); a source that cannot be reached is only
     * logged.
     */
    public List<String> checkInputs(java.time.Duration timeout) throws InterruptedException {
        List<String> problems = new ArrayList<>();
        for (InputStep step : compiled.inputs()) {
            KafkaAccess.Report report = step.input().checkAccess(timeout);
            String input = step.stats().name() + " input " + step.stats().id();
            if (report != null && report.problem() != null && report.answered()) {
                problems.add(input + ": " + report.problem());
            } else if (report != null && report.problem() != null) {
                LOG.warn("pipeline {}: {} not checked: {}", settings.id(), input, report.problem());
            }
        }
        return problems;
    }

    /** Starts outputs (see {@link io.logpipe.indexer.plugins.Output#start}), workers, then inputs. */
    public void start() throws Exception {
        started = true;
        for (OutputStep step : compiled.allOutputs()) {
            step.output().start();
        }
        for (int i = 0; i < settings.workers(); i++) {
            Thread worker = new Thread(this::work, "pipeline-" + settings.id() + "-worker-" + i);
            workers.add(worker);
            worker.start();
        }
        for (InputStep input : compiled.inputs()) {
            PluginStats stats = input.stats();
            input.input().start(new Input.Sink() {
                @Override
                public void accept(Event event) throws InterruptedException {
                    if (abandoned) {
                        leftUnacknowledged.increment();
                        return;
                    }
                    stats.emitted(1);
                    eventsIn.increment();
                    queue.put(event);
                }

                @Override
                public void fail(String message, Throwable cause) {
                    failure = message;
                    LOG.error("pipeline {}: {}", settings.id(), message);
                    Thread stopper = new Thread(Pipeline.this::stop, "pipeline-" + settings.id() + "-stopper");
                    stopper.start();
                }
            });
        }
        LOG.info("pipeline {} started: {} worker(s), batch size {}, batch delay {} ms", settings.id(),
                settings.workers(), settings.batchSize(), settings.batchDelayMillis());
    }

    private void work() {
        List<Event> batch = new ArrayList<>(settings.batchSize());
        try {
            while (true) {
                batch.clear();
                Event first = queue.poll(draining ? 10 : settings.batchDelayMillis(), TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (inputsStopped && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.batchDelayMillis());
                while (batch.size() < settings.batchSize()) {
                    if (queue.drainTo(batch, settings.batchSize() - batch.size()) > 0) {
                        continue;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || draining) {
                        break;
                    }
                    Event next = queue.poll(left, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                try {
                    process(batch);
                } catch (InterruptedException e) {
                    // The drain's deadline: this batch was not acknowledged, its events are read again next start.
                    leftUnacknowledged.add(batch.size());
                    throw e;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Filters and outputs one batch, then acknowledges every event of it (dropped ones included). */
    void process(List<Event> batch) throws InterruptedException {
        List<Event> survivors = new ArrayList<>(batch.size());
        for (Event event : batch) {
            runFilters(compiled.filters(), event);
            if (!event.isCancelled()) {
                survivors.add(event);
            }
        }
        eventsFiltered.add(survivors.size());
        Map<OutputStep, List<Event>> routed = new IdentityHashMap<>();
        for (Event event : survivors) {
            route(compiled.outputs(), event, routed);
        }
        for (OutputStep step : compiled.allOutputs()) {
            List<Event> events = routed.get(step);
            if (events == null || events.isEmpty()) {
                continue;
            }
            step.stats().received(events.size());
            long start = System.nanoTime();
            writeUntilDone(step, events);
            step.stats().spent(System.nanoTime() - start);
            step.stats().emitted(events.size());
        }
        eventsOut.add(survivors.size());
        for (Event event : batch) {
            if (event.source() != null) {
                event.source().acknowledge();
            }
        }
    }

    /** Outputs retry their own transient failures; anything else thrown is retried here: a batch is never dropped. */
    private void writeUntilDone(OutputStep step, List<Event> events) throws InterruptedException {
        long backoff = 1000;
        while (true) {
            try {
                step.output().write(events);
                return;
            } catch (InterruptedException e) {
                throw e;
            } catch (RuntimeException e) {
                step.stats().retried(events.size(), e.toString());
                LOG.error("pipeline {}: output {} failed ({}); retrying the batch in {} ms", settings.id(),
                        step.stats().id(), e.toString(), backoff);
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 60_000);
            }
        }
    }

    private void runFilters(List<Step> steps, Event event) {
        for (Step step : steps) {
            if (event.isCancelled()) {
                return;
            }
            if (step instanceof FilterStep filter) {
                filter.stats().received(1);
                long start = System.nanoTime();
                try {
                    if (filter.filter().filter(event)) {
                        filter.options().apply(event);
                    }
                } catch (RuntimeException e) {
                    // A filter bug must not lose the event: it goes on, tagged.
                    LOG.warn("pipeline {}: filter {} failed on an event: {}", settings.id(), filter.stats().id(),
                            e.toString());
                    event.tag("_filter_exception");
                }
                filter.stats().spent(System.nanoTime() - start);
                if (!event.isCancelled()) {
                    filter.stats().emitted(1);
                }
            } else if (step instanceof ConditionalStep conditional) {
                runFilters(choose(conditional, event), event);
            }
        }
    }

    private void route(List<Step> steps, Event event, Map<OutputStep, List<Event>> routed) {
        for (Step step : steps) {
            if (step instanceof OutputStep output) {
                routed.computeIfAbsent(output, o -> new ArrayList<>()).add(event);
            } else if (step instanceof ConditionalStep conditional) {
                route(choose(conditional, event), event, routed);
            }
        }
    }

    private static List<Step> choose(ConditionalStep conditional, Event event) {
        for (int i = 0; i < conditional.conditions().size(); i++) {
            if (Conditions.test(conditional.conditions().get(i), event)) {
                return conditional.branches().get(i);
            }
        }
        return conditional.otherwise();
    }

    /**
     * Stops fetching, drains the queue through filters and outputs for at most the shutdown timeout, commits what
     * was acknowledged, closes. Idempotent.
     */
    public synchronized void stop() {
        if (stopped.getCount() == 0) {
            return;
        }
        long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
        if (started) {
            LOG.info("pipeline {}: stopping: no more fetching, draining {} queued event(s) (at most {} s)", settings.id(),
                    queue.size(), settings.shutdownTimeout().toSeconds());
        }
        draining = true;
        // Inputs stop fetching while the workers drain: an input blocked on a full queue must not eat the deadline.
        Thread inputStopper = new Thread(() -> {
            compiled.inputs().forEach(input -> input.input().stopFetching());
            inputsStopped = true;
        }, "pipeline-" + settings.id() + "-input-stopper");
        inputStopper.start();
        boolean interrupted = false;
        for (Thread worker : workers) {
            try {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    TimeUnit.NANOSECONDS.timedJoin(worker, left);
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        boolean complete = workers.stream().noneMatch(Thread::isAlive);
        abandoned = true;
        if (!complete) {
            workers.forEach(Thread::interrupt);
            for (Thread worker : workers) {
                joinUninterruptibly(worker);
            }
        }
        // What is still queued (only after an incomplete drain) is left for the next start; clearing also unblocks
        // an input waiting to queue, so that it can commit and close.
        leftUnacknowledged.add(queue.size());
        queue.clear();
        joinUninterruptibly(inputStopper);
        compiled.close();
        if (started) {
            LOG.info("pipeline {} stopped: {} in, {} filtered, {} out", settings.id(), eventsIn.sum(),
                    eventsFiltered.sum(), eventsOut.sum());
        }
        drainTimedOut = !complete || leftUnacknowledged.sum() > 0;
        if (drainTimedOut) {
            LOG.warn("pipeline {}: the outputs could not finish within pipeline.shutdown_timeout ({} s): {} event(s)"
                    + " were left unacknowledged and will be read again at the next start", settings.id(),
                    settings.shutdownTimeout().toSeconds(), leftUnacknowledged.sum());
        }
        stopped.countDown();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Events a stop left unacknowledged because its drain's deadline passed (0 after a complete drain). */
    public long leftUnacknowledged() {
        return leftUnacknowledged.sum();
    }

    /** Waits until the pipeline has stopped (after {@link #stop()} or a fatal input error). */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    public boolean awaitStopped(long timeout, TimeUnit unit) throws InterruptedException {
        return stopped.await(timeout, unit);
    }

    /** The fatal error that stopped the pipeline, or null. */
    /** After {@link #stop()}: whether the drain ended at pipeline.shutdown_timeout with events left unwritten. */
    public boolean drainTimedOut() {
        return drainTimedOut;
    }

    /** Events left unacknowledged by the last stop, read again at the next start. */
    public long leftForNextStart() {
        return leftUnacknowledged.sum();
    }

    public String failure() {
        return failure;
    }

    // ---- monitoring

    public long eventsIn() {
        return eventsIn.sum();
    }

    public long eventsFiltered() {
        return eventsFiltered.sum();
    }

    public long eventsOut() {
        return eventsOut.sum();
    }

    public List<PluginStats> inputStats() {
        return compiled.inputs().stream().map(InputStep::stats).toList();
    }

    public List<PluginStats> filterStats() {
        return compiled.allFilters().stream().map(FilterStep::stats).toList();
    }

    public List<PluginStats> outputStats() {
        return compiled.allOutputs().stream().map(OutputStep::stats).toList();
    }

    /** Consumer lag per partition, over every input that reports one. */
    public Map<String, Long> consumerLag() {
        Map<String, Long> lag = new TreeMap<>();
        for (InputStep input : compiled.inputs()) {
            lag.putAll(input.stats().lag());
        }
        return lag;
    }

    /** Events the pipeline's outputs put in its dead-letter queue since start. */
    public long deadLetterCount() {
        return compiled.deadLetterQueue().count();
    }

    public int queued() {
        return queue.size();
    }
}
