package io.logpipe.queue.network;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletionStage;

import io.logpipe.queue.security.SaslAuthenticator;
import io.logpipe.queue.security.SaslMechanisms;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: cuts the byte stream into size-prefixed frames, hands them to {@link KafkaApis} one at a
 * time and writes the responses in request order, as the Kafka protocol requires. Reading pauses while a request is
 * being answered and frames pile up, while the socket's write queue is full, or while the next frame does not fit
 * the broker's {@link RequestMemoryPool} ({@code queued.max.request.bytes}); a frame's bytes are reserved from the
 * pool once its size is read and given back once its request was handled (or the connection closed). Its
 * {@link #principal()} is who the client proved to be (a TLS client certificate, or SASL), ANONYMOUS until then.
 * Over TLS, record data in segment files cannot go to the socket with sendfile, since it must be encrypted: the
 * response is then built with copies of the bytes ({@link #sendsFileRegions()}).
 *
 * <p>On a SASL listener the connection carries its {@link SaslAuthenticator}: until it authenticated, frames above
 * {@code sasl.server.max.receive.size} close it, and its principal is {@link KafkaPrincipal#ANONYMOUS}.
 */
final class Connection {
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    private static final int MAX_QUEUED_FRAMES = 16;

    private final NetSocketInternal socket;
    private final Context context;
    private final KafkaApis apis;
    private final int maxRequestBytes;
    private final RequestMemoryPool pool;
    private final String name;
    private final boolean tls;
    /** Null on a listener without SASL. */
    private final SaslAuthenticator sasl;
    private final int saslMaxReceiveBytes;
    private volatile KafkaPrincipal principal = KafkaPrincipal.ANONYMOUS;
    private final ByteBuffer sizeBuffer = ByteBuffer.allocate(4);
    private final ArrayDeque<ByteBuffer> frames = new ArrayDeque<>();
    private ByteBuffer frame;
    private int frameSize;
    private boolean busy;
    private boolean closed;
    private boolean paused;
    /** Set while the next frame's size is known but the pool has no room for it yet. */
    private boolean waitingForMemory;
    private int waitingSize;
    private Buffer waitingData;

    Connection(NetSocket socket, Context context, KafkaApis apis, int maxRequestBytes, RequestMemoryPool pool,
               SaslMechanisms saslMechanisms, int saslMaxReceiveBytes) {
        this.socket = (NetSocketInternal) socket;
        this.context = context;
        this.apis = apis;
        this.maxRequestBytes = maxRequestBytes;
        this.pool = pool;
        this.name = String.valueOf(socket.remoteAddress());
        this.tls = socket.isSsl();
        this.sasl = saslMechanisms == null ? null : new SaslAuthenticator(saslMechanisms, name, this::authenticated);
        this.saslMaxReceiveBytes = saslMaxReceiveBytes;
        socket.handler(this::onData);
        socket.closeHandler(v -> {
            closed = true;
            releaseAll();
            apis.connectionClosed(name);
        });
        socket.exceptionHandler(e -> LOG.debug("connection {}: {}", name, e.toString()));
    }

    String name() {
        return name;
    }

    /** Who the client is: set once authenticated (TLS client certificate, SASL), {@code User:ANONYMOUS} before. */
    KafkaPrincipal principal() {
        return principal;
    }

    /** Records who a TLS or SASL handshake proved this connection to be. */
    void authenticated(KafkaPrincipal principal) {
        this.principal = principal;
    }

    /** The connection's SASL state; null on a listener without SASL. */
    SaslAuthenticator sasl() {
        return sasl;
    }

    private void onData(Buffer data) {
        if (waitingForMemory) {
            // bytes that were in flight when reading paused: kept, in order, for when the frame gets its memory
            waitingData = Buffer.buffer(waitingData.length() + data.length()).appendBuffer(waitingData).appendBuffer(data);
            return;
        }
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
                if (sasl != null && !sasl.authenticated() && size > saslMaxReceiveBytes) {
                    closeWithError("frame of " + size + " bytes before SASL authentication is above"
                            + " sasl.server.max.receive.size " + saslMaxReceiveBytes);
                    return;
                }
                if (!pool.tryReserve(size, this::memoryReleased)) {
                    waitingForMemory = true;
                    waitingSize = size;
                    waitingData = data.getBuffer(index, length);
                    pause();
                    return;
                }
                startFrame(size);
            }
            int take = Math.min(frameSize - frame.position(), length - index);
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

    /**
     * The frame's buffer at its full size, as Kafka allocates it from its pool: the reservation already bounds what
     * all claims together may take, and growing a buffer by copies would need up to twice the frame at once.
     */
    private void startFrame(int size) {
        frameSize = size;
        frame = ByteBuffer.allocate(size);
    }

    /** Called by the pool on the releasing thread: try the waiting frame again on this connection's loop. */
    private void memoryReleased() {
        context.runOnContext(v -> {
            if (closed || !waitingForMemory) {
                return;
            }
            if (!pool.tryReserve(waitingSize, this::memoryReleased)) {
                return;
            }
            waitingForMemory = false;
            startFrame(waitingSize);
            Buffer rest = waitingData;
            waitingData = null;
            onData(rest);
        });
    }

    /** Gives the pool back what this connection held: its queued frames and the one being read. */
    private void releaseAll() {
        for (ByteBuffer queued : frames) {
            pool.release(queued.limit());
        }
        frames.clear();
        if (frame != null) {
            pool.release(frameSize);
            frame = null;
        }
        waitingData = null;
    }

    private void processFrames() {
        while (!busy && !closed && !frames.isEmpty()) {
            ByteBuffer next = frames.poll();
            int size = next.limit();
            CompletionStage<KafkaApis.Reply> reply;
            try {
                reply = apis.handle(this, next);
            } finally {
                pool.release(size);
            }
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
        if (frames.size() < MAX_QUEUED_FRAMES / 2 && !socket.writeQueueFull() && !waitingForMemory) {
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
        releaseAll();
        socket.close();
    }

    Context context() {
        return context;
    }

    /** Whether responses may carry file regions ({@code sendfile}); a TLS socket must encrypt copies of the bytes. */
    boolean sendsFileRegions() {
        return !tls;
    }

    boolean isClosed() {
        return closed;
    }

}
