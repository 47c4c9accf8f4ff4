package io.logpipe.shipper.output;

import io.logpipe.shipper.event.Event;
import io.logpipe.shipper.input.EventSink;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publish window between the harvesters and the output: a bounded in-memory queue ({@code queue.mem.events})
 * and the thread that drains it in batches of {@code bulk_max_size}. A few batches may be in flight at once; they are
 * acknowledged strictly in the order they were read, so each file's registry offset only ever moves over events
 * that are all in the output: at-least-once.
 */
public final class PublishWindow implements EventSink, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(PublishWindow.class);
    private static final int BATCHES_IN_FLIGHT = 2;

    private final BlockingQueue<Event> queue;
    private final Output output;
    private final int batchSize;
    private final Semaphore window = new Semaphore(BATCHES_IN_FLIGHT);
    private final Deque<InFlight> inFlight = new ArrayDeque<>();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    // For the stats endpoint; written by one thread each (harvesters' crawler, publisher, acknowledging thread).
    private final LongAdder received = new LongAdder();
    private final LongAdder handedOver = new LongAdder();
    private final LongAdder batchesAcked = new LongAdder();
    private volatile boolean draining;

    private static final class InFlight {
        final List<Event> events;
        volatile boolean done;

        InFlight(List<Event> events) {
            this.events = events;
        }
    }

    public PublishWindow(int queueEvents, int batchSize, Output output) {
        this.queue = new ArrayBlockingQueue<>(queueEvents);
        this.batchSize = batchSize;
        this.output = output;
    }

    @Override
    public void publish(Event event) throws InterruptedException {
        queue.put(event);
        received.increment();
    }

    /** Events the harvesters put into the queue (filebeat's libbeat.pipeline.events.total). */
    public long received() {
        return received.sum();
    }

    /** Events handed to the output in batches, acknowledged or not yet. */
    public long handedOver() {
        return handedOver.sum();
    }

    /** Batches the output acknowledged. */
    public long batchesAcknowledged() {
        return batchesAcked.sum();
    }

    /** Events acknowledged by the output so far (filtered ones included). */
    public long acknowledged() {
        return acked.get();
    }

    /** Events actually sent and acknowledged. */
    public long shipped() {
        return published.get();
    }

    /** Batches handed to the output and not yet acknowledged. */
    public int batchesInFlight() {
        synchronized (inFlight) {
            return inFlight.size();
        }
    }

    /** Stop once the queue is empty and every batch is acknowledged. */
    public void drain() {
        draining = true;
    }

    @Override
    public void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Event first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (draining && window.availablePermits() == BATCHES_IN_FLIGHT) {
                        return;
                    }
                    continue;
                }
                List<Event> batch = new ArrayList<>(Math.min(batchSize, queue.size() + 1));
                batch.add(first);
                queue.drainTo(batch, batchSize - 1);
                window.acquire();
                InFlight f = new InFlight(batch);
                synchronized (inFlight) {
                    inFlight.addLast(f);
                }
                handedOver.add(batch.size());
                output.publish(batch, () -> {
                    f.done = true;
                    completeInOrder();
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("the publishing thread failed; events not yet acknowledged will be read again after a "
                    + "restart", e);
            throw e;
        }
    }

    private void completeInOrder() {
        synchronized (inFlight) {
            while (!inFlight.isEmpty() && inFlight.peekFirst().done) {
                InFlight f = inFlight.removeFirst();
                long sent = 0;
                for (Event e : f.events) {
                    e.source.acknowledged(e.endOffset);
                    if (e.published) {
                        sent++;
                    }
                }
                acked.addAndGet(f.events.size());
                published.addAndGet(sent);
                batchesAcked.increment();
                window.release();
            }
        }
    }
}
