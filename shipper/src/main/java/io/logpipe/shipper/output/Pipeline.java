package io.logpipe.shipper.output;

import io.logpipe.shipper.event.Event;
import io.logpipe.shipper.input.EventSink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded in-memory queue between the harvesters and the output ({@code queue.mem.events}), and the thread
 * that drains it in batches of {@code bulk_max_size}. A batch is handed to the output, and only when the output
 * returns (everything acknowledged) are the files' registry offsets moved, in reading order: at-least-once.
 */
public final class Pipeline implements EventSink, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    private final BlockingQueue<Event> queue;
    private final Output output;
    private final int batchSize;
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private volatile boolean draining;
    private volatile boolean idle = true;

    public Pipeline(int queueEvents, int batchSize, Output output) {
        this.queue = new ArrayBlockingQueue<>(queueEvents);
        this.batchSize = batchSize;
        this.output = output;
    }

    @Override
    public void publish(Event event) throws InterruptedException {
        queue.put(event);
    }

    /** Events acknowledged by the output so far (filtered ones included). */
    public long acknowledged() {
        return acked.get();
    }

    /** Events actually sent and acknowledged. */
    public long shipped() {
        return published.get();
    }

    /** True when the queue is empty and no batch is in flight. */
    public boolean isIdle() {
        return idle && queue.isEmpty();
    }

    /** Stop taking new batches once the queue is empty. */
    public void drain() {
        draining = true;
    }

    @Override
    public void run() {
        List<Event> batch = new ArrayList<>(batchSize);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Event first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (draining) {
                        return;
                    }
                    continue;
                }
                idle = false;
                batch.add(first);
                queue.drainTo(batch, batchSize - 1);
                output.publish(batch);
                long sent = 0;
                for (Event e : batch) {
                    e.source.acknowledged(e.endOffset);
                    if (e.published) {
                        sent++;
                    }
                }
                acked.addAndGet(batch.size());
                published.addAndGet(sent);
                batch.clear();
                idle = true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("the publishing thread failed; events in the queue are not acknowledged and will be read "
                    + "again after a restart", e);
            throw e;
        }
    }
}
