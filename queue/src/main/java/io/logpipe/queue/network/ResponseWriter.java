package io.logpipe.queue.network;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

/**
 * Turns a response {@link Send} built by kafka-clients into Netty messages: the serialized header and fields as
 * buffers wrapped without copying, and record data that lives in segment files as file regions, which the socket
 * sends with {@code sendfile} (zero copy) instead of passing the bytes through the heap. Every response goes
 * through here, and kafka-clients hands over every {@code FileRecords} (Fetch's records) by
 * {@link #transferFrom}, so no response path copies record bytes on a plain socket. A transport that must see the
 * bytes (TLS encrypts them in memory) asks for copies instead: the file slices are read into buffers.
 */
final class ResponseWriter implements TransferableChannel {
    private final List<Object> messages = new ArrayList<>();
    private final List<ByteBuffer> pending = new ArrayList<>();
    private final boolean fileRegions;

    private ResponseWriter(boolean fileRegions) {
        this.fileRegions = fileRegions;
    }

    /** The messages to write, in order, for {@code send}, record data as file regions. */
    static List<Object> toMessages(Send send) throws IOException {
        return toMessages(send, true);
    }

    /**
     * The messages to write, in order, for {@code send}: record data in segment files as file regions when
     * {@code fileRegions}, else copied into buffers (for a transport that cannot send file regions, such as TLS).
     */
    static List<Object> toMessages(Send send, boolean fileRegions) throws IOException {
        ResponseWriter writer = new ResponseWriter(fileRegions);
        int guard = 0;
        while (!send.completed()) {
            send.writeTo(writer);
            if (++guard > 1_000_000) {
                throw new IOException("response send did not complete");
            }
        }
        writer.flushBuffers();
        return writer.messages;
    }

    private void flushBuffers() {
        if (pending.isEmpty()) {
            return;
        }
        ByteBuf buf = Unpooled.wrappedBuffer(pending.toArray(new ByteBuffer[0]));
        messages.add(buf);
        pending.clear();
    }

    @Override
    public int write(ByteBuffer src) {
        int n = src.remaining();
        if (n > 0) {
            pending.add(src.slice());
            src.position(src.limit());
        }
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += write(srcs[i]);
        }
        return total;
    }

    @Override
    public long write(ByteBuffer[] srcs) {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public long transferFrom(FileChannel fileChannel, long position, long count) throws IOException {
        if (count <= 0) {
            return 0;
        }
        if (fileRegions) {
            flushBuffers();
            messages.add(new SharedFileRegion(fileChannel, position, count));
        } else {
            ByteBuffer copy = ByteBuffer.allocate(Math.toIntExact(count));
            while (copy.hasRemaining()) {
                if (fileChannel.read(copy, position + copy.position()) < 0) {
                    throw new IOException("segment file shrank under a fetch response");
                }
            }
            pending.add(copy.flip());
        }
        return count;
    }

    @Override
    public boolean hasPendingWrites() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }

    /** A region of a segment file whose channel stays open after the transfer: the segment owns it, not Netty. */
    static final class SharedFileRegion extends AbstractReferenceCounted implements FileRegion {
        private final FileChannel file;
        private final long position;
        private final long count;
        private long transferred;

        SharedFileRegion(FileChannel file, long position, long count) {
            this.file = file;
            this.position = position;
            this.count = count;
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        @Deprecated
        public long transfered() {
            return transferred;
        }

        @Override
        public long transferred() {
            return transferred;
        }

        @Override
        public long count() {
            return count;
        }

        @Override
        public long transferTo(WritableByteChannel target, long offset) throws IOException {
            long remaining = count - offset;
            if (remaining <= 0) {
                return 0;
            }
            long written = file.transferTo(position + offset, remaining, target);
            if (written == 0 && file.size() < position + count) {
                throw new IOException("segment file shrank under a fetch response");
            }
            transferred += written;
            return written;
        }

        @Override
        public FileRegion retain() {
            super.retain();
            return this;
        }

        @Override
        public FileRegion retain(int increment) {
            super.retain(increment);
            return this;
        }

        @Override
        public FileRegion touch() {
            return this;
        }

        @Override
        public FileRegion touch(Object hint) {
            return this;
        }

        @Override
        protected void deallocate() {
            // The segment's channel outlives the response.
        }
    }
}
