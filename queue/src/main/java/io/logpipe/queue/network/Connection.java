package io.logpipe.queue.network;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletionStage;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: cuts the byte stream into size-prefixed frames, hands them to {@link KafkaApis} one at a
 * time and writes the responses in request order, as the Kafka protocol requires. Reading pauses while a request is
 * being answered and frames pile up, or while the socket's write queue is full.
 */
final class Connection {
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    private static final int MAX_QUEUED_FRAMES = 16;
    /** A frame claiming more than this gets its buffer grown as bytes arrive, not allocated up front on the claim. */
    private static final int EAGER_ALLOCATION_LIMIT = 4 << 20;

    private final NetSocketInternal socket;
    private final Context context;
    private final KafkaApis apis;
    private final int maxRequestBytes;
    private final String name;
    private final ByteBuffer sizeBuffer = ByteBuffer.allocate(4);
    private final ArrayDeque<ByteBuffer> frames = new ArrayDeque<>();
    private ByteBuffer frame;
    private int frameSize;
    private boolean busy;
    private boolean closed;
    private boolean paused;

    Connection(NetSocket socket, Context context, KafkaApis apis, int maxRequestBytes) {
        this.socket = (NetSocketInternal) socket;
        this.context = context;
        this.apis = apis;
        this.maxRequestBytes = maxRequestBytes;
        this.name = String.valueOf(socket.remoteAddress());
        socket.handler(this::onData);
        socket.closeHandler(v -> closed = true);
        socket.exceptionHandler(e -> LOG.debug("connection {}: {}", name, e.toString()));
    }

    String name() {
        return name;
    }

    private void onData(Buffer data) {
        int index = 0;
        int length = data.length();
        while (index < length && !closed) {
            if (frame == null) {
                int take = Math.min(sizeBuffer.remaining(), length - index);
                for (int i = 0; i < take; i++) {
                    sizeBuffer.put(data.getByte(index + i));
                }
                index += take;
                if (sizeBuffer.hasRemaining()) {
                    return;
                }
                int size = sizeBuffer.getInt(0);
                sizeBuffer.clear();
                if (size < 0 || size > maxRequestBytes) {
                    closeWithError("request size " + size + " is " + (size < 0 ? "negative" : "above socket.request.max.bytes " + maxRequestBytes));
                    return;
                }
                frameSize = size;
                frame = ByteBuffer.allocate(Math.min(size, EAGER_ALLOCATION_LIMIT));
            }
            int take = Math.min(frameSize - frame.position(), length - index);
            if (frame.remaining() < take) {
                int capacity = (int) Math.min(frameSize, Math.max(2L * frame.capacity(), frame.position() + take));
                frame = ByteBuffer.allocate(capacity).put(frame.flip());
            }
            data.getBytes(index, index + take, frame.array(), frame.position());
            frame.position(frame.position() + take);
            index += take;
            if (frame.position() == frameSize) {
                frame.flip();
                frames.add(frame);
                frame = null;
            }
        }
        if (frames.size() >= MAX_QUEUED_FRAMES) {
            pause();
        }
        processFrames();
    }

    private void processFrames() {
        while (!busy && !closed && !frames.isEmpty()) {
            ByteBuffer next = frames.poll();
            CompletionStage<KafkaApis.Reply> reply = apis.handle(this, next);
            if (reply == null) {
                continue;
            }
            busy = true;
            reply.whenComplete((r, error) -> {
                if (Context.isOnEventLoopThread() && context == io.vertx.core.Vertx.currentContext()) {
                    onReply(r, error);
                } else {
                    context.runOnContext(v -> onReply(r, error));
                }
            });
        }
        if (frames.size() < MAX_QUEUED_FRAMES / 2 && !socket.writeQueueFull()) {
            resume();
        }
    }

    private void onReply(KafkaApis.Reply reply, Throwable error) {
        busy = false;
        if (error != null) {
            closeWithError("failed to answer a request: " + error);
            return;
        }
        if (reply != null && !closed) {
            write(reply.messages());
        }
        processFrames();
    }

    /** Writes a serialized response (buffers and file regions, in order). */
    void write(List<Object> messages) {
        for (Object message : messages) {
            socket.writeMessage(message);
        }
        if (socket.writeQueueFull()) {
            pause();
            socket.drainHandler(v -> {
                socket.drainHandler(null);
                processFrames();
            });
        }
    }

    private void pause() {
        if (!paused) {
            paused = true;
            socket.pause();
        }
    }

    private void resume() {
        if (paused) {
            paused = false;
            socket.resume();
        }
    }

    /** Logs one line and closes: the client sent something this broker cannot answer. */
    void closeWithError(String reason) {
        if (closed) {
            return;
        }
        LOG.warn("connection from {}: {}; closing it", name, reason);
        closed = true;
        frames.clear();
        socket.close();
    }

    Context context() {
        return context;
    }

    boolean isClosed() {
        return closed;
    }

}
