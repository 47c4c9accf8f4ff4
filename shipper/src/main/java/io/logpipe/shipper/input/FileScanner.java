package io.logpipe.shipper.input;

import io.logpipe.shipper.config.InputConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Finds the files an input harvests: expands its globs, follows symlinks (unless {@code symlinks: false}), drops
 * excluded and too-old files, and keeps one path per file (device + inode), preferring a real path over a link.
 */
public final class FileScanner {
    private final InputConfig input;

    public FileScanner(InputConfig input) {
        this.input = input;
    }

    /**
     * @param harvesting keys (device-inode) of files already open: their path stays the one first matched, and
     *                   ignore_older does not apply to them
     */
    public ScanResult scan(Map<String, Path> harvesting) {
        List<ScanResult.Skipped> skipped = new ArrayList<>();
        Map<String, ScanResult.Candidate> byFile = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        for (String glob : input.paths()) {
            for (Path path : Glob.expand(glob)) {
                ScanResult.Candidate c = classify(path, skipped);
                if (c == null) {
                    continue;
                }
                String key = c.key();
                Path open = harvesting.get(key);
                if (open == null && input.ignoreOlder().toMillis() > 0
                        && now - c.modifiedMillis() > input.ignoreOlder().toMillis()) {
                    skipped.add(new ScanResult.Skipped(path, "last modified " + ago(now - c.modifiedMillis())
                            + " ago, longer than ignore_older (" + ago(input.ignoreOlder().toMillis()) + ")"));
                    continue;
                }
                ScanResult.Candidate previous = byFile.get(key);
                if (previous == null) {
                    byFile.put(key, c);
                    continue;
                }
                // The same file through two paths: read it once. Keep the path already being harvested, else
                // the real path, else the first link matched.
                boolean keepNew = open != null ? open.equals(c.path()) && !open.equals(previous.path())
                        : previous.target() != null && c.target() == null;
                ScanResult.Candidate kept = keepNew ? c : previous;
                ScanResult.Candidate dropped = keepNew ? previous : c;
                byFile.put(key, kept);
                skipped.add(new ScanResult.Skipped(dropped.path(), "same file as " + kept.path() + " (device "
                        + c.device() + ", inode " + c.inode() + "): read once"));
            }
        }
        return new ScanResult(new ArrayList<>(byFile.values()), skipped);
    }

    private ScanResult.Candidate classify(Path path, List<ScanResult.Skipped> skipped) {
        String text = path.toString();
        for (Pattern p : input.excludeFiles()) {
            if (p.matcher(text).find()) {
                skipped.add(new ScanResult.Skipped(path, "matches exclude_files '" + p.pattern() + "'"));
                return null;
            }
        }
        try {
            BasicFileAttributes own = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Path target = null;
            if (own.isSymbolicLink()) {
                Path linkTarget = Files.readSymbolicLink(path);
                if (!input.symlinks()) {
                    skipped.add(new ScanResult.Skipped(path, "symlink to " + linkTarget
                            + " (symlinks: false; set symlinks: true or remove the setting to follow it)"));
                    return null;
                }
                if (!Files.exists(path)) {
                    skipped.add(new ScanResult.Skipped(path, "dangling symlink: target " + linkTarget
                            + " does not exist"));
                    return null;
                }
                target = path.toRealPath();
            }
            if (Files.isDirectory(path)) {
                skipped.add(new ScanResult.Skipped(path, "is a directory"));
                return null;
            }
            if (!Files.isRegularFile(path)) {
                skipped.add(new ScanResult.Skipped(path, "not a regular file"));
                return null;
            }
            Map<String, Object> unix = Files.readAttributes(path, "unix:dev,ino,size,lastModifiedTime");
            if (!Files.isReadable(path)) {
                skipped.add(new ScanResult.Skipped(path, "not readable by this user"));
                return null;
            }
            return new ScanResult.Candidate(path, target, (Long) unix.get("dev"), (Long) unix.get("ino"),
                    (Long) unix.get("size"),
                    ((FileTime) unix.get("lastModifiedTime")).toMillis());
        } catch (IOException e) {
            skipped.add(new ScanResult.Skipped(path, "cannot stat: " + e.getMessage()));
            return null;
        }
    }

    static String ago(long millis) {
        Duration d = Duration.ofMillis(millis);
        if (d.toDays() > 0) {
            return d.toDays() + "d" + d.toHoursPart() + "h";
        }
        if (d.toHours() > 0) {
            return d.toHours() + "h" + d.toMinutesPart() + "m";
        }
        if (d.toMinutes() > 0) {
            return d.toMinutes() + "m" + d.toSecondsPart() + "s";
        }
        return d.toSeconds() + "s";
    }
}
