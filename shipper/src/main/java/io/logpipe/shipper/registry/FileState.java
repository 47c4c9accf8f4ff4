package io.logpipe.shipper.registry;

import io.logpipe.shipper.event.Event;

/**
 * A file's registry entry: the offset up to which the output has acknowledged its events. Harvesters read ahead of
 * it; only {@link #acknowledged} moves it, and acknowledgements arrive in the order the events were read.
 */
public final class FileState implements Event.Acknowledgeable {
    private final Registry registry;
    private volatile FileIdentity identity;
    private volatile String source;
    private volatile String inputType;
    private volatile long offset;
    private volatile long timestampMillis;
    /** Where the last harvester of this file stopped reading (ahead of {@link #offset} until acknowledged). */
    private volatile long readOffset;
    private int generation;

    FileState(Registry registry, FileIdentity identity, String source, String inputType, long offset,
              long timestampMillis) {
        this.registry = registry;
        this.identity = identity;
        this.source = source;
        this.inputType = inputType;
        this.offset = offset;
        this.timestampMillis = timestampMillis;
        this.readOffset = offset;
    }

    /** Where a new harvester of this file starts: after what was already read in this process. */
    public long readOffset() {
        return Math.max(readOffset, offset);
    }

    public void readOffset(long value) {
        readOffset = value;
    }

    /**
     * The file was truncated or replaced: everything restarts at 0. Acknowledgements still on their way for events
     * read before are ignored from now on (their offsets belong to the old content).
     */
    public synchronized void restart(FileIdentity newIdentity) {
        identity = newIdentity;
        readOffset = 0;
        offset = 0;
        generation++;
        registry.changed();
    }

    /** Acknowledgements for events read from now on (until the next {@link #restart}). */
    public synchronized Event.Acknowledgeable cursor() {
        int current = generation;
        return endOffset -> {
            synchronized (this) {
                if (generation == current) {
                    acknowledged(endOffset);
                }
            }
        };
    }

    public FileIdentity identity() {
        return identity;
    }

    public String source() {
        return source;
    }

    public String inputType() {
        return inputType;
    }

    /** The acknowledged offset: where reading resumes after a restart. */
    public long offset() {
        return offset;
    }

    public long timestampMillis() {
        return timestampMillis;
    }

    @Override
    public void acknowledged(long endOffset) {
        offset = endOffset;
        timestampMillis = System.currentTimeMillis();
        registry.changed();
    }

    /** The fingerprint grew (the file had fewer bytes than the fingerprint covers when first seen). */
    public void identity(FileIdentity longer) {
        if (!identity.sameInode(longer)) {
            throw new IllegalArgumentException("identity of " + source + " cannot change inode");
        }
        identity = longer;
        registry.changed();
    }

    public void source(String path, String type) {
        this.source = path;
        this.inputType = type;
        registry.changed();
    }

    @Override
    public String toString() {
        return source + " (" + identity.key() + ") @" + offset;
    }
}
