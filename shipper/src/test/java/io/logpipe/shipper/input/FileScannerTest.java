package io.logpipe.shipper.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.shipper.config.ConfigFile;
import io.logpipe.shipper.config.InputConfig;
import io.logpipe.shipper.config.ShipperConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files an input harvests, through real globs, directories and symlinks. */
class FileScannerTest {
    @TempDir
    Path dir;

    private InputConfig input(String extra, String... globs) {
        StringBuilder y = new StringBuilder("output.console: {}\nfilebeat.inputs:\n  - paths:\n");
        for (String g : globs) {
            y.append("      - '").append(g).append("'\n");
        }
        y.append(extra);
        return ShipperConfig.from(Path.of("t.yml"), ConfigFile.parse("t.yml", y.toString()), w -> { })
                .inputs().get(0);
    }

    private ScanResult scan(InputConfig in) {
        return new FileScanner(in).scan(Map.of());
    }

    private static List<Path> paths(ScanResult r) {
        List<Path> out = new ArrayList<>();
        r.files().forEach(c -> out.add(c.path()));
        return out;
    }

    private static String reason(ScanResult r, Path p) {
        return r.skipped().stream().filter(s -> s.path().equals(p)).map(ScanResult.Skipped::reason).findFirst()
                .orElse("(not skipped)");
    }

    @Test
    void globsMatchWithinAndAcrossDirectories() throws Exception {
        Files.createDirectories(dir.resolve("a/b/c"));
        for (String f : List.of("top.log", "top.txt", "a/one.log", "a/b/two.log", "a/b/c/three.log", "a/b/c/x.gz")) {
            Files.writeString(dir.resolve(f), "x\n");
        }
        assertEquals(List.of(dir.resolve("top.log")), paths(scan(input("", dir + "/*.log"))));
        assertEquals(List.of(dir.resolve("top.log"), dir.resolve("a/one.log"), dir.resolve("a/b/two.log"),
                dir.resolve("a/b/c/three.log")), paths(scan(input("", dir + "/**/*.log"))));
        assertEquals(List.of(dir.resolve("a/b/two.log")), paths(scan(input("", dir + "/a/?/[t]wo.log"))));
        ScanResult excluded = scan(input("    exclude_files: ['three']\n", dir + "/**/*.log"));
        assertEquals(3, excluded.files().size());
        assertTrue(reason(excluded, dir.resolve("a/b/c/three.log")).contains("exclude_files"));
        ScanResult dirs = scan(input("", dir + "/*"));
        assertEquals("is a directory", reason(dirs, dir.resolve("a")));
    }

    @Test
    void aSymlinkedLogIsHarvestedByDefaultUnderTheMatchedPath() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real")).resolve("app.log");
        Files.writeString(real, "hello\n");
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Files.createSymbolicLink(logs.resolve("app.log"), real);
        ScanResult r = scan(input("", logs + "/*.log"));
        assertEquals(List.of(logs.resolve("app.log")), paths(r));
        assertEquals(real.toRealPath(), r.files().get(0).target());
    }

    @Test
    void symlinksFalseSkipsLinksAndSaysWhy() throws Exception {
        Path real = dir.resolve("real.txt");
        Files.writeString(real, "hello\n");
        Files.createSymbolicLink(dir.resolve("app.log"), real);
        ScanResult r = scan(input("    symlinks: false\n", dir + "/*.log"));
        assertEquals(List.of(), r.files());
        assertTrue(reason(r, dir.resolve("app.log")).startsWith("symlink to " + real + " (symlinks: false"),
                r.skipped().toString());
    }

    @Test
    void aFileReachedThroughALinkAndItsRealPathIsReadOnceUnderTheRealPath() throws Exception {
        Path real = dir.resolve("b-real.log");
        Files.writeString(real, "hello\n");
        Files.createSymbolicLink(dir.resolve("a-link.log"), real);
        ScanResult r = scan(input("", dir + "/*.log"));
        assertEquals(List.of(real), paths(r));
        assertTrue(reason(r, dir.resolve("a-link.log")).startsWith("same file as " + real), r.skipped().toString());
    }

    @Test
    void twoLinksToOneFileAreReadOnce() throws Exception {
        Path real = dir.resolve("target.txt");
        Files.writeString(real, "hello\n");
        Files.createSymbolicLink(dir.resolve("one.log"), real);
        Files.createSymbolicLink(dir.resolve("two.log"), real);
        ScanResult r = scan(input("", dir + "/*.log"));
        assertEquals(List.of(dir.resolve("one.log")), paths(r));
        assertTrue(reason(r, dir.resolve("two.log")).startsWith("same file as " + dir.resolve("one.log")));
    }

    @Test
    void aDanglingLinkIsSkippedWithItsTarget() throws Exception {
        Files.createSymbolicLink(dir.resolve("gone.log"), dir.resolve("nowhere.log"));
        ScanResult r = scan(input("", dir + "/*.log"));
        assertEquals(List.of(), r.files());
        assertEquals("dangling symlink: target " + dir.resolve("nowhere.log") + " does not exist",
                reason(r, dir.resolve("gone.log")));
    }

    @Test
    void ignoreOlderSkipsFilesNotModifiedRecently() throws Exception {
        Path old = dir.resolve("old.log");
        Files.writeString(old, "x\n");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(3, ChronoUnit.DAYS)));
        Files.writeString(dir.resolve("new.log"), "x\n");
        ScanResult r = scan(input("    ignore_older: 24h\n    close_inactive: 5m\n", dir + "/*.log"));
        assertEquals(List.of(dir.resolve("new.log")), paths(r));
        assertTrue(reason(r, old).contains("ignore_older"), reason(r, old));
    }
}
