package io.logpipe.queue.log;

import io.logpipe.common.io.FormatVersion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.message.FetchResponseData;

/**
 * A segment's {@code .txnindex}: the transactions aborted in it, one entry per ABORT marker the segment holds, in
 * marker order. A read_committed fetch takes its aborted-transaction list from these files, so the broker keeps no
 * aborted list in memory and reads no batch header for it at start.
 *
 * <p>Byte format, Kafka's {@code .txnindex} as is: entries of 34 bytes, big-endian, no header:
 * <pre>
 *   int16 version            0 (Kafka's AbortedTxn version; checked with {@link FormatVersion})
 *   int64 producer id
 *   int64 first offset       the transaction's first batch in this partition (it may lie in an earlier segment)
 *   int64 last offset        its ABORT marker, in this segment
 *   int64 last stable offset the partition's LSO right after the marker
 * </pre>
 * Every segment this release creates has the file, empty while nothing aborted in it; a segment without one (written
 * by a release before the file existed) or with a torn file (not a whole number of entries) gets it rebuilt from its
 * batch headers at start. An entry of a newer version stops the start, the file untouched. Written with positional
 * writes through a channel opened on first use (segments with no abort hold no descriptor), fsynced with its segment.
 */
public final class TransactionIndex implements AutoCloseable {
    public static final String SUFFIX = ".txnindex";
    static final int ENTRY_SIZE = 34;
    static final FormatVersion FORMAT = new FormatVersion("queue transaction index", 0);

    /** One aborted transaction. */
    public record Entry(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
    }

    private volatile Path file;
    /** Bytes of whole entries; appends go at this position. */
    private volatile long size;
    /** False when the file was missing or torn at open: the caller rebuilds it ({@link #reset}). */
    private boolean usable;
    private FileChannel channel;
    private boolean dirty;
    /** Set by {@link #delete()}: a fetch still holding this index must not create the file again. */
    private boolean deleted;

    private TransactionIndex(Path file, long size, boolean usable) {
        this.file = file;
        this.size = size;
        this.usable = usable;
    }

    /** A new, empty index file for a new segment (an existing file is emptied). */
    public static TransactionIndex create(Path file) throws IOException {
        Files.write(file, new byte[0]);
        return new TransactionIndex(file, 0, true);
    }

    /**
     * Opens the index of an existing segment. A missing or torn file gives an index that is not {@link #usable()};
     * an entry of a newer version throws {@link FormatVersion.NewerFormatException}.
     */
    public static TransactionIndex open(Path file) throws IOException {
        long length;
        try {
            length = Files.size(file);
        } catch (NoSuchFileException e) {
            return new TransactionIndex(file, 0, false);
        }
        if (length % ENTRY_SIZE != 0) {
            return new TransactionIndex(file, 0, false);
        }
        TransactionIndex index = new TransactionIndex(file, length, true);
        if (length > 0) {
            // every entry's version, once: a newer one must stop the start, not surface in a fetch
            index.forEach(entry -> false);
        }
        return index;
    }

    public Path file() {
        return file;
    }

    /** Whether the file was there and whole at open (or has been rebuilt since). */
    public synchronized boolean usable() {
        return usable;
    }

    public int entries() {
        return (int) (size / ENTRY_SIZE);
    }

    /** Appends the entry of an ABORT marker (markers come in offset order); a failed write leaves the index as is. */
    public synchronized void append(Entry entry) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(ENTRY_SIZE);
        buffer.putShort((short) FORMAT.current()).putLong(entry.producerId()).putLong(entry.firstOffset())
                .putLong(entry.lastOffset()).putLong(entry.lastStableOffset()).flip();
        FileChannel out = channel(true);
        long position = size;
        try {
            while (buffer.hasRemaining()) {
                position += out.write(buffer, position);
            }
        } catch (IOException e) {
            try {
                out.truncate(size);
            } catch (IOException ignored) {
                // the torn entry stays past `size`: the next append overwrites it, a reopen sees a torn file
            }
            throw e;
        }
        size = position;
        dirty = true;
    }

    /** Empties the index, creating the file if it was missing, before a rebuild from the segment. */
    public synchronized void reset() throws IOException {
        channel(true).truncate(0);
        size = 0;
        usable = true;
        dirty = true;
    }

    /** Drops the entries of markers at or after {@code offset} (the segment's log was cut back to it). */
    public synchronized void truncateTo(long offset) throws IOException {
        long[] keep = {0};
        forEach(entry -> {
            if (entry.lastOffset() >= offset) {
                return true;
            }
            keep[0] += ENTRY_SIZE;
            return false;
        });
        if (keep[0] < size) {
            channel(false).truncate(keep[0]);
            size = keep[0];
            dirty = true;
        }
    }

    /** Every entry, in marker order. */
    public List<Entry> all() throws IOException {
        List<Entry> entries = new ArrayList<>();
        forEach(entry -> {
            entries.add(entry);
            return false;
        });
        return entries;
    }

    /**
     * Adds to {@code out} the aborted transactions that overlap [{@code from}, {@code to}): ABORT marker at or after
     * {@code from}, first offset below {@code to}. Returns true when an entry's last stable offset reached {@code to}:
     * every transaction that began below {@code to} had ended by that marker, so no later entry (here or in a later
     * segment) can overlap the range.
     */
    public boolean collect(long from, long to, List<FetchResponseData.AbortedTransaction> out) throws IOException {
        if (size == 0) {
            return false;
        }
        boolean[] complete = {false};
        forEach(entry -> {
            if (entry.lastOffset() >= from && entry.firstOffset() < to) {
                out.add(new FetchResponseData.AbortedTransaction().setProducerId(entry.producerId())
                        .setFirstOffset(entry.firstOffset()));
            }
            if (entry.lastStableOffset() >= to) {
                complete[0] = true;
                return true;
            }
            return false;
        });
        return complete[0];
    }

    @FunctionalInterface
    private interface EntryVisitor {
        /** Returns true to stop. */
        boolean visit(Entry entry) throws IOException;
    }

    private void forEach(EntryVisitor visitor) throws IOException {
        long end = size;
        if (end == 0) {
            return;
        }
        FileChannel in = channel(false);
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(end, 64L * ENTRY_SIZE));
        long position = 0;
        while (position < end) {
            buffer.clear();
            buffer.limit((int) Math.min(buffer.capacity(), end - position));
            while (buffer.hasRemaining()) {
                int read = in.read(buffer, position + buffer.position());
                if (read < 0) {
                    throw new IOException(file + ": ends at byte " + (position + buffer.position()) + ", expected "
                            + end);
                }
            }
            buffer.flip();
            while (buffer.remaining() >= ENTRY_SIZE) {
                FORMAT.check(file, buffer.getShort());
                Entry entry = new Entry(buffer.getLong(), buffer.getLong(), buffer.getLong(), buffer.getLong());
                if (visitor.visit(entry)) {
                    return;
                }
            }
            position += buffer.limit();
        }
    }

    /** The file's channel, opened on first use; {@code create} for writes that may find the file missing. */
    private synchronized FileChannel channel(boolean create) throws IOException {
        if (deleted) {
            throw new java.nio.channels.ClosedChannelException();
        }
        if (channel == null) {
            channel = create
                    ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                            StandardOpenOption.WRITE)
                    : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        return channel;
    }

    /** Fsyncs what was written since the last flush. */
    public synchronized void flush() throws IOException {
        if (dirty && channel != null) {
            channel.force(true);
        }
        dirty = false;
    }

    @Override
    public synchronized void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    /** Renames the file (an open channel stays valid); the delete acts on the new name. */
    public synchronized void renameTo(Path target) throws IOException {
        if (Files.exists(file)) {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        }
        file = target;
    }

    /** Closes and deletes the file; a fetch still reading this index gets a ClosedChannelException. */
    public synchronized void delete() throws IOException {
        deleted = true;
        close();
        Files.deleteIfExists(file);
    }
}
