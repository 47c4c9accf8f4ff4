package io.logpipe.common.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatingLogTest {
    @TempDir
    Path dir;

    @Test
    void rotatesBySizeKeepsAtMostMaxFilesAndNeverSplitsALine() throws Exception {
        Path file = dir.resolve("indexer.log");
        try (RotatingLog log = new RotatingLog(file, 100, 2)) {
            for (int i = 0; i < 20; i++) {
                log.line("line %02d %s".formatted(i, "x".repeat(30)));
            }
        }
        // 40-byte lines, 100-byte files: two lines a file; the current one and two rotated ones are kept.
        assertEquals(2, Files.readAllLines(file).size());
        assertTrue(Files.readString(file).startsWith("line 18"));
        assertTrue(Files.readString(dir.resolve("indexer.log.1")).startsWith("line 16"));
        assertTrue(Files.readString(dir.resolve("indexer.log.2")).startsWith("line 14"));
        assertFalse(Files.exists(dir.resolve("indexer.log.3")));
        for (Path kept : new Path[] {file, dir.resolve("indexer.log.1"), dir.resolve("indexer.log.2")}) {
            assertTrue(Files.size(kept) <= 100, kept + " has " + Files.size(kept) + " bytes");
        }
    }

    @Test
    void appendsToWhatAnEarlierRunLeft() throws Exception {
        Path file = dir.resolve("shipper.log");
        Files.writeString(file, "from before\n");
        try (RotatingLog log = new RotatingLog(file, 1000, 2)) {
            log.line("after restart");
        }
        assertEquals("from before\nafter restart\n", Files.readString(file));
    }
}
