package io.logpipe.common.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive claim on a data directory, held through an OS file lock on a file inside it, so that two processes
 * (or two components in one JVM) never work on the same directory. The lock goes with the process: a SIGKILL frees
 * it, so a stale lock file never blocks a restart.
 */
public final class DirectoryLock implements AutoCloseable {
    private final FileLock lock;

    private DirectoryLock(FileLock lock) {
        this.lock = lock;
    }

    /**
     * Locks {@code dir/lockFileName}, creating the directory if needed.
     *
     * @param whenHeld the message of the IOException thrown when another process or this JVM holds it already
     */
    public static DirectoryLock acquire(Path dir, String lockFileName, String whenHeld) throws IOException {
        Files.createDirectories(dir);
        FileChannel channel = FileChannel.open(dir.resolve(lockFileName), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very JVM
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IOException(whenHeld);
        }
        return new DirectoryLock(lock);
    }

    /** Releases the lock; the lock file stays (deleting it would race with the next process taking it). */
    @Override
    public void close() throws IOException {
        lock.channel().close();
    }
}
