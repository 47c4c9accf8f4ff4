package io.logpipe.common.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryLockTest {
    @TempDir
    Path dir;

    @Test
    void oneHolderAtATimeAndFreeAgainAfterClose() throws IOException {
        Path data = dir.resolve("data");
        DirectoryLock first = DirectoryLock.acquire(data, ".lock", "in use");
        assertTrue(Files.isDirectory(data), "the directory is created");
        IOException held = assertThrows(IOException.class, () -> DirectoryLock.acquire(data, ".lock", "data is in use"));
        assertEquals("data is in use", held.getMessage());
        first.close();
        DirectoryLock.acquire(data, ".lock", "in use").close();
        assertTrue(Files.exists(data.resolve(".lock")), "the lock file stays for the next holder");
    }

    @Test
    void anotherProcessHoldingItIsRefusedToo() throws Exception {
        Path data = dir.resolve("data");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path source = dir.resolve("Hold.java");
        Files.writeString(source, """
                import java.nio.channels.FileChannel;
                import java.nio.file.*;
                public class Hold {
                    public static void main(String[] a) throws Exception {
                        Files.createDirectories(Path.of(a[0]));
                        FileChannel c = FileChannel.open(Path.of(a[0], ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        c.lock();
                        System.out.println("locked");
                        System.out.flush();
                        System.in.read();
                    }
                }
                """);
        Process holder = new ProcessBuilder(java, source.toString(), data.toString()).redirectErrorStream(true).start();
        try {
            assertEquals("locked", new BufferedReader(new InputStreamReader(holder.getInputStream()))
                    .readLine());
            assertThrows(IOException.class, () -> DirectoryLock.acquire(data, ".lock", "in use"));
        } finally {
            holder.destroyForcibly().waitFor();
        }
        DirectoryLock.acquire(data, ".lock", "in use").close();
    }
}
