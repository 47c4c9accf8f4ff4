package io.logpipe.shipper.input;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Expands a filebeat path glob one path segment at a time, as Go's filepath.Glob does: {@code *}, {@code ?},
 * {@code [a-z]}, {@code [^a]} within a segment, and {@code **} for zero to eight directory levels (filebeat's
 * recursive_glob). Directories are entered through symlinks; the matches themselves may be files, links or
 * directories and are classified by the caller.
 */
final class Glob {
    static final int MAX_RECURSION = 8;

    private Glob() {
    }

    static List<Path> expand(String glob) {
        Path abs = Path.of(glob).toAbsolutePath().normalize();
        List<String> segments = new ArrayList<>();
        for (Path p : abs) {
            segments.add(p.toString());
        }
        Set<Path> out = new LinkedHashSet<>();
        expand(abs.getRoot(), segments, 0, out);
        return new ArrayList<>(out);
    }

    private static void expand(Path dir, List<String> segments, int i, Set<Path> out) {
        if (i == segments.size()) {
            out.add(dir);
            return;
        }
        String segment = segments.get(i);
        if (segment.equals("**")) {
            // zero levels, then one more '*' level each time, up to MAX_RECURSION
            for (int depth = 0; depth <= MAX_RECURSION; depth++) {
                List<String> replaced = new ArrayList<>(segments.subList(0, i));
                for (int d = 0; d < depth; d++) {
                    replaced.add("*");
                }
                replaced.addAll(segments.subList(i + 1, segments.size()));
                expand(dir, replaced, i, out);
            }
            return;
        }
        if (!hasMeta(segment)) {
            Path next = dir.resolve(segment);
            if (i == segments.size() - 1) {
                if (Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(next);
                }
            } else if (Files.isDirectory(next)) {
                expand(next, segments, i + 1, out);
            }
            return;
        }
        if (!Files.isDirectory(dir)) {
            return;
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + toJavaGlob(segment));
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path entry : stream) {
                Path name = entry.getFileName();
                if (matcher.matches(name)) {
                    entries.add(entry);
                }
            }
        } catch (IOException e) {
            return; // unreadable directory: nothing matches there
        }
        entries.sort(null);
        for (Path entry : entries) {
            if (i == segments.size() - 1) {
                out.add(entry);
            } else if (Files.isDirectory(entry)) {
                expand(entry, segments, i + 1, out);
            }
        }
    }

    static boolean hasMeta(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0;
    }

    /** Go's {@code [^a]} is Java's {@code [!a]}; braces are literal in Go. */
    private static String toJavaGlob(String segment) {
        return segment.replace("[^", "[!").replace("{", "\\{").replace("}", "\\}");
    }
}
