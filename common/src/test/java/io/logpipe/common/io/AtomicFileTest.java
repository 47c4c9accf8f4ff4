package io.logpipe.common.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    @TempDir
    Path dir;

    @Test
    void createsAndReplacesAFileLeavingNoTemporaryFile() throws IOException {
        Path file = dir.resolve("meta.properties");
        AtomicFile.writeString(file, "version=1\n");
        assertEquals("version=1\n", Files.readString(file));
        AtomicFile.writeString(file, "v=2");
        assertEquals("v=2", Files.readString(file), "a shorter content leaves nothing of the longer one");
        assertFalse(Files.exists(AtomicFile.temporaryFileOf(file)));
    }

    @Test
    void aWriterThatFailsLeavesTheOldContentAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("state.json");
        AtomicFile.writeString(file, "old");
        assertThrows(IOException.class, () -> AtomicFile.write(file, channel -> {
            channel.write(ByteBuffer.wrap("half of the new".getBytes(StandardCharsets.UTF_8)));
            throw new IOException("disk full");
        }));
        assertEquals("old", Files.readString(file));
        assertFalse(Files.exists(AtomicFile.temporaryFileOf(file)));
    }

    @Test
    void aTemporaryFileLeftByACrashIsOverwritten() throws IOException {
        Path file = dir.resolve("ids");
        Files.writeString(AtomicFile.temporaryFileOf(file), "a longer torn write from before the crash");
        AtomicFile.write(file, "1000\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("1000\n", Files.readString(file));
        assertFalse(Files.exists(AtomicFile.temporaryFileOf(file)));
    }
}
