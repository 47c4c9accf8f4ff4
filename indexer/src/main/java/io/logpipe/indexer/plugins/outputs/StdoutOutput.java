package io.logpipe.indexer.plugins.outputs;

import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.plugins.Codec;
import io.logpipe.indexer.plugins.Output;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Writes events to standard output with a codec (default rubydebug); the batch is flushed before it is acknowledged. */
public final class StdoutOutput implements Output {
    private final Codec codec;
    private final OutputStream out;

    public StdoutOutput(Codec codec) {
        this(codec, System.out);
    }

    public StdoutOutput(Codec codec, OutputStream out) {
        this.codec = codec;
        this.out = out;
    }

    @Override
    public void write(List<Event> events) {
        synchronized (out) {
            try {
                for (Event event : events) {
                    out.write(codec.encode(event));
                }
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
