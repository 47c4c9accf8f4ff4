package io.logpipe.shipper.input;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The crawler's wake-up: a write or a new file ends its idle wait (inotify here), nothing else does. */
class FileChangesTest {
    private static final long LONG_WAIT = 30_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void anAppendEndsTheWaitAndANewFileAsksForAScan() throws Exception {
        Path log = Files.writeString(dir.resolve("app.log"), "first\n");
        try (FileChanges changes = FileChanges.open()) {
            changes.watch(log);
            assertEquals(FileChanges.Change.NONE, changes.await(0), "nothing happened yet");

            Files.writeString(log, "second\n", StandardOpenOption.APPEND);
            assertEquals(FileChanges.Change.MODIFIED, changes.await(LONG_WAIT));
            assertEquals(FileChanges.Change.NONE, changes.await(0), "each change is told once");

            Files.move(log, dir.resolve("app.log.1"));
            Files.writeString(log, "after rotation\n");
            assertEquals(FileChanges.Change.SCAN, changes.await(LONG_WAIT), "a rotation's new file");
        }
    }

    @Test
    void aWriteToAFileNoLongerReadAsksForAScan() throws Exception {
        Path log = Files.writeString(dir.resolve("app.log"), "first\n");
        try (FileChanges changes = FileChanges.open()) {
            changes.forget(changes.watch(log)); // opened, then closed when inactive
            Files.writeString(log, "second\n", StandardOpenOption.APPEND);
            assertEquals(FileChanges.Change.SCAN, changes.await(LONG_WAIT), "found by a scan now, not in scan_frequency");
        }
    }

    @Test
    void aLinkedFileIsWatchedInItsTargetsDirectoryToo() throws Exception {
        Path elsewhere = Files.createDirectory(dir.resolve("real"));
        Path target = Files.writeString(elsewhere.resolve("app.log"), "first\n");
        Path links = Files.createDirectory(dir.resolve("links"));
        Path link = Files.createSymbolicLink(links.resolve("app.log"), target);
        try (FileChanges changes = FileChanges.open()) {
            changes.watch(link);
            Files.writeString(target, "second\n", StandardOpenOption.APPEND);
            assertEquals(FileChanges.Change.MODIFIED, changes.await(LONG_WAIT));
        }
    }
}
