package io.logpipe.queue.log;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * A segment's {@code .timeindex}: sparse entries of (largest timestamp so far: int64, offset relative to the segment's
 * base offset of the record carrying it: int32). Timestamps only increase, so a lookup is a binary search.
 */
public final class TimeIndex extends AbstractIndex {
    static final int ENTRY_SIZE = 12;

    public TimeIndex(Path file, long baseOffset, int maxIndexSize) throws IOException {
        super(file, baseOffset, maxIndexSize);
    }

    @Override
    protected int entrySize() {
        return ENTRY_SIZE;
    }

    /** Adds an entry when {@code timestamp} is above the last one (and there is room). */
    public synchronized void maybeAppend(long timestamp, long offset) {
        if (isFull() || entries > 0 && timestamp <= lastTimestamp()) {
            return;
        }
        if (entries > 0 && offset < lastOffset()) {
            return;
        }
        mmap.putLong(timestamp);
        mmap.putInt(relative(offset));
        entries++;
    }

    public long lastTimestamp() {
        int count = entries;
        return count == 0 ? -1 : mmap.getLong((count - 1) * ENTRY_SIZE);
    }

    public long lastOffset() {
        int count = entries;
        return count == 0 ? baseOffset : baseOffset + mmap.getInt((count - 1) * ENTRY_SIZE + 8);
    }

    /** An offset from which a scan finds the first record with a timestamp at or above {@code timestamp}. */
    public long lookup(long timestamp) {
        MappedByteBuffer view = mmap;
        int count = entries;
        // The entry strictly below the target: records at the target may sit right after it.
        int slot = largestLowerBound(view, count, timestamp - 1);
        return slot < 0 ? baseOffset : baseOffset + view.getInt(slot * ENTRY_SIZE + 8);
    }

    @Override
    protected long keyAt(MappedByteBuffer view, int slot) {
        return view.getLong(slot * ENTRY_SIZE);
    }
}
