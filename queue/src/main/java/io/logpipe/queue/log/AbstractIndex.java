package io.logpipe.queue.log;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.apache.kafka.common.utils.ByteBufferUnmapper;

/**
 * A sparse, memory-mapped index file of fixed-size entries sorted by their first field, as Kafka keeps beside each
 * segment. The file is preallocated to the maximum index size while its segment is active and trimmed to its entries
 * when the segment rolls or the broker stops, so a cleanly closed index can be reopened as is.
 *
 * <p>The preallocated file is sparse: a page of it gets disk blocks only when first written. Written through the
 * mapping, a page the full disk cannot back would fault the JVM ("a fault occurred in a recent unsafe memory access
 * operation") instead of failing the write, so {@link #reserve} first writes each new page through the file channel,
 * where a full disk is an ordinary IOException, before any entry lands on it.
 */
abstract class AbstractIndex implements AutoCloseable {
    /** Volatile: a segment removed by retention renames its files to {@code .deleted} while fetches may read it. */
    protected volatile Path file;
    protected final long baseOffset;
    private final int maxIndexSize;
    // Readers on other threads take this reference once per lookup; a replaced mapping is left to the GC to unmap
    // (never unmapped by hand while it could still be read, which would crash the JVM).
    protected volatile MappedByteBuffer mmap;
    protected volatile int entries;
    /** Bytes from the file's start that are known to have disk blocks behind them (a page multiple). */
    private long backedBytes;

    protected AbstractIndex(Path file, long baseOffset, int maxIndexSize) throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        this.maxIndexSize = roundDown(maxIndexSize);
        boolean existed = Files.exists(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long length = existed ? raf.length() : 0;
            if (length % entrySize() != 0) {
                // A torn or foreign file: the caller rebuilds it from the segment.
                length = 0;
            }
            this.entries = (int) (length / entrySize());
            raf.setLength(Math.max(this.maxIndexSize, length));
            this.mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, raf.length());
            this.mmap.position(entries * entrySize());
            this.backedBytes = pageCeil((long) entries * entrySize());
        }
    }

    private static final int PAGE = 4096;

    private static long pageCeil(long bytes) {
        return (bytes + PAGE - 1) / PAGE * PAGE;
    }

    /**
     * Makes sure the next {@code count} entries land on pages that have disk blocks: writes zeros through the file
     * channel to each page not yet backed. Throws IOException (say, no space left) while nothing has changed.
     */
    public synchronized void reserve(int count) throws IOException {
        long needed = Math.min(pageCeil((long) (entries + count) * entrySize()), mmap.limit());
        if (needed <= backedBytes) {
            return;
        }
        try (FileChannel channel = FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate((int) (needed - backedBytes));
            long position = backedBytes;
            while (zeros.hasRemaining()) {
                position += channel.write(zeros, position);
            }
        }
        backedBytes = needed;
    }

    protected abstract int entrySize();

    public Path file() {
        return file;
    }

    public int entries() {
        return entries;
    }

    public boolean isFull() {
        return entries >= mmap.limit() / entrySize();
    }

    protected int relative(long offset) {
        long rel = offset - baseOffset;
        if (rel < 0 || rel > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " does not fit an index with base " + baseOffset);
        }
        return (int) rel;
    }

    /** Drops every entry (before a rebuild from the segment). */
    public synchronized void reset() throws IOException {
        entries = 0;
        backedBytes = 0;
        mmap.position(0);
        resize(maxIndexSize);
    }

    /** Keeps only the first {@code count} entries. */
    protected synchronized void truncateToEntries(int count) {
        entries = Math.min(entries, count);
        mmap.position(entries * entrySize());
    }

    /** Shrinks the file to its entries: for a segment that no longer takes appends. */
    public synchronized void trimToValidSize() throws IOException {
        resize(entries * entrySize());
    }

    private void resize(int size) throws IOException {
        int rounded = roundDown(size);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            int position = mmap.position();
            raf.setLength(rounded);
            mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, rounded);
            mmap.position(Math.min(position, rounded));
        }
    }

    public synchronized void flush() {
        mmap.force();
    }

    @Override
    public synchronized void close() throws IOException {
        trimToValidSize();
        ByteBufferUnmapper.unmap(file.toString(), mmap);
    }

    /** Renames the file (the mapping stays valid); later trims and the delete act on the new name. */
    public synchronized void renameTo(Path target) throws IOException {
        if (Files.exists(file)) {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        }
        file = target;
    }

    /** Deletes the file; the mapping goes with the GC, as a fetch may still be reading it. */
    public synchronized void delete() throws IOException {
        Files.deleteIfExists(file);
    }

    private int roundDown(int size) {
        return size / entrySize() * entrySize();
    }

    /** Index of the last entry whose key is at most {@code target}, or -1 when every entry is above it. */
    protected int largestLowerBound(MappedByteBuffer view, int count, long target) {
        int lo = 0;
        int hi = count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (keyAt(view, mid) <= target) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    protected abstract long keyAt(MappedByteBuffer view, int slot);
}
