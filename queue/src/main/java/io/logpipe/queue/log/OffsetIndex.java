package io.logpipe.queue.log;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * A segment's {@code .index}: sparse entries of (offset relative to the segment's base offset: int32, file position of
 * the batch holding it: int32), added every {@code log.index.interval.bytes} of log.
 */
public final class OffsetIndex extends AbstractIndex {
    static final int ENTRY_SIZE = 8;

    public OffsetIndex(Path file, long baseOffset, int maxIndexSize) throws IOException {
        super(file, baseOffset, maxIndexSize);
    }

    @Override
    protected int entrySize() {
        return ENTRY_SIZE;
    }

    /** Adds an entry; offsets must increase. Returns false when the index is full (the segment must roll). */
    public synchronized boolean append(long offset, int position) {
        if (isFull()) {
            return false;
        }
        if (entries > 0 && offset <= lastOffset()) {
            throw new IllegalStateException("index " + file + ": offset " + offset + " after " + lastOffset());
        }
        mmap.putInt(relative(offset));
        mmap.putInt(position);
        entries++;
        return true;
    }

    /** The file position to start scanning from for {@code offset}: the closest entry at or below it, else 0. */
    public int lookup(long offset) {
        MappedByteBuffer view = mmap;
        int count = entries;
        int slot = largestLowerBound(view, count, offset - baseOffset);
        return slot < 0 ? 0 : view.getInt(slot * ENTRY_SIZE + 4);
    }

    public long lastOffset() {
        int count = entries;
        return count == 0 ? baseOffset : baseOffset + mmap.getInt((count - 1) * ENTRY_SIZE);
    }

    public long offsetAt(int slot) {
        return baseOffset + mmap.getInt(slot * ENTRY_SIZE);
    }

    public int positionAt(int slot) {
        return mmap.getInt(slot * ENTRY_SIZE + 4);
    }

    /** True when the entries increase and stay within {@code [baseOffset, nextOffset)} and {@code [0, logSize]}. */
    public boolean isConsistent(long nextOffset, int logSize) {
        long previousOffset = -1;
        int previousPosition = -1;
        for (int i = 0; i < entries; i++) {
            long offset = offsetAt(i);
            int position = positionAt(i);
            if (offset <= previousOffset || position <= previousPosition && i > 0 || offset >= nextOffset
                    || position < 0 || position > logSize) {
                return false;
            }
            previousOffset = offset;
            previousPosition = position;
        }
        return true;
    }

    @Override
    protected long keyAt(MappedByteBuffer view, int slot) {
        return view.getInt(slot * ENTRY_SIZE);
    }
}
