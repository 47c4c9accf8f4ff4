package io.logpipe.shipper.input;

import java.nio.file.Path;
import java.util.List;

/**
 * What one scan of an input's globs found: the files to harvest (one path per file) and every other matching path
 * with the reason it is skipped ({@code test config} prints both).
 */
public record ScanResult(List<Candidate> files, List<Skipped> skipped) {

    /**
     * A file to harvest.
     *
     * @param path    the path as matched (a symlink stays a symlink: events carry it)
     * @param target  the real file, when {@code path} is reached through a symlink; else null
     */
    public record Candidate(Path path, Path target, long device, long inode, long size, long modifiedMillis) {
        public String key() {
            return device + "-" + inode;
        }
    }

    /** A matching path that is not harvested, and why. */
    public record Skipped(Path path, String reason) {
    }
}
