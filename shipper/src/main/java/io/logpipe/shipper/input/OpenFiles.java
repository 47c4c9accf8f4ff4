package io.logpipe.shipper.input;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Tells a removed file from a renamed one while we still hold it open: {@code /proc/self/fd/N} stats the open file
 * itself, and a link count of 0 means every name of it is gone. (Java cannot fstat a FileChannel.)
 */
final class OpenFiles {
    private static final Path FDS = Path.of("/proc/self/fd");

    private OpenFiles() {
    }

    /** True if the open file with this device and inode has no name left; false if renamed or unknown. */
    static boolean isDeleted(long device, long inode) {
        if (!Files.isDirectory(FDS)) {
            return false;
        }
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(FDS)) {
            for (Path fd : fds) {
                try {
                    Map<String, Object> a = Files.readAttributes(fd, "unix:dev,ino,nlink");
                    if ((Long) a.get("dev") == device && (Long) a.get("ino") == inode) {
                        return (Integer) a.get("nlink") == 0;
                    }
                } catch (IOException | RuntimeException e) {
                    // fd closed meanwhile, or not a file
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
