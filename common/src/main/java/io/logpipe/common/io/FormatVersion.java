package io.logpipe.common.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The version of one on-disk format (the shipper's registry, the queue's offsets store, a DLQ...), and the check every
 * store runs before it trusts a file: a release reads every version up to the one it writes, and refuses a newer one
 * with {@link NewerFormatException} (which file, which version, what this release reads, what to do) instead of
 * misreading it, dropping it, or overwriting it with an older format. A file written before formats carried a
 * version is read as {@link #UNVERSIONED} unless its store documents otherwise.
 */
public final class FormatVersion {
    /** The version of files written before a format carried one: the legacy format, which is version 1. */
    public static final int UNVERSIONED = 1;

    private final String format;
    private final int current;

    /** {@code format} names the file kind in messages ("shipper registry"); {@code current} is what this release writes. */
    public FormatVersion(String format, int current) {
        this.format = format;
        this.current = current;
    }

    /** The version this release writes, and the highest it reads. */
    public int current() {
        return current;
    }

    /** Returns {@code found} when this release reads it; throws {@link NewerFormatException} when it is newer. */
    public int check(Path file, long found) throws NewerFormatException {
        if (found > current) {
            throw new NewerFormatException(file, format, found, current);
        }
        return (int) found;
    }

    /** As {@link #check(Path, long)} for a version written as text; a non-number is an IOException naming the file. */
    public int check(Path file, String found) throws IOException {
        long version;
        try {
            version = Long.parseLong(found.strip());
        } catch (NumberFormatException e) {
            throw new IOException(file + ": the " + format + " format version '" + found + "' is not a number");
        }
        return check(file, version);
    }

    @Override
    public String toString() {
        return format + " format version " + current;
    }

    /** A file in a format newer than this release reads. Its message is meant for the operator, as it is. */
    public static final class NewerFormatException extends IOException {
        private final transient Path file;
        private final long found;
        private final int highestSupported;

        NewerFormatException(Path file, String format, long found, int highestSupported) {
            super(file + ": " + format + " format version " + found + " is newer than this release reads (up to "
                    + "version " + highestSupported + "); the file was written by a newer logpipe release. Run that "
                    + "release (or a newer one) on this data, or restore the data backed up before the upgrade; "
                    + "the file was left as it is");
            this.file = file;
            this.found = found;
            this.highestSupported = highestSupported;
        }

        public Path file() {
            return file;
        }

        public long found() {
            return found;
        }

        public int highestSupported() {
            return highestSupported;
        }
    }
}
