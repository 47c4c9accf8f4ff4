package io.logpipe.queue.network;

import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.FileRegion;
import io.netty.handler.stream.ChunkedInput;

/**
 * A file region of a fetch response read in chunks, for TLS connections: Netty's TLS handler encrypts buffers only,
 * so the bytes sendfile would have sent are read from the segment (page cache) one chunk at a time, as the socket
 * drains, and never all at once. Closing it releases the region.
 */
final class FileRegionChunks implements ChunkedInput<ByteBuf> {
    /** About one TLS record's worth of plaintext per chunk, times four. */
    private static final int CHUNK_BYTES = 64 * 1024;

    private final FileRegion region;
    private long offset;

    FileRegionChunks(FileRegion region) {
        this.region = region;
    }

    @Override
    public boolean isEndOfInput() {
        return offset >= region.count();
    }

    @Override
    public void close() {
        region.release();
    }

    @Override
    @Deprecated
    public ByteBuf readChunk(ChannelHandlerContext ctx) throws Exception {
        return readChunk(ctx.alloc());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) throws Exception {
        if (isEndOfInput()) {
            return null;
        }
        int size = (int) Math.min(CHUNK_BYTES, region.count() - offset);
        ByteBuf chunk = allocator.buffer(size);
        try {
            WritableByteChannel into = new WritableByteChannel() {
                @Override
                public int write(ByteBuffer src) {
                    int n = Math.min(src.remaining(), chunk.writableBytes());
                    ByteBuffer part = src.slice();
                    part.limit(n);
                    chunk.writeBytes(part);
                    src.position(src.position() + n);
                    return n;
                }

                @Override
                public boolean isOpen() {
                    return true;
                }

                @Override
                public void close() {
                }
            };
            while (chunk.writableBytes() > 0 && chunk.readableBytes() < size) {
                long written = region.transferTo(into, offset + chunk.readableBytes());
                if (written <= 0) {
                    throw new java.io.IOException("segment file ended inside a fetch response");
                }
            }
            offset += chunk.readableBytes();
            return chunk;
        } catch (Exception | Error e) {
            chunk.release();
            throw e;
        }
    }

    @Override
    public long length() {
        return region.count();
    }

    @Override
    public long progress() {
        return offset;
    }
}
