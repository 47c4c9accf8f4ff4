package io.logpipe.shipper.output;

import io.logpipe.shipper.event.Event;
import io.logpipe.shipper.event.EventEncoder;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code output.console} and {@code output.file}: one JSON document per line, for debugging. A batch counts as
 * acknowledged once written and flushed (the file output also fsyncs).
 */
public final class StreamOutput implements Output {
    private static final Logger LOG = LoggerFactory.getLogger(StreamOutput.class);

    private final OutputStream out;
    private final EventEncoder encoder;
    private final String description;
    private final Runnable sync;

    public StreamOutput(OutputStream out, EventEncoder encoder, String description, Runnable sync) {
        this.out = out;
        this.encoder = encoder;
        this.description = description;
        this.sync = sync;
    }

    @Override
    public void publish(List<Event> batch, Runnable acknowledged) throws InterruptedException {
        long backoff = 1000;
        while (true) {
            try {
                for (Event e : batch) {
                    if (e.published) {
                        out.write(encoder.encode(e));
                        out.write('\n');
                    }
                }
                out.flush();
                sync.run();
                acknowledged.run();
                return;
            } catch (IOException | RuntimeException e) {
                LOG.error("writing to {} failed: {}; retrying in {} ms", description, e.toString(), backoff);
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 60_000);
            }
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        try {
            out.flush();
        } catch (IOException e) {
            LOG.warn("closing {}: {}", description, e.toString());
        }
    }
}
