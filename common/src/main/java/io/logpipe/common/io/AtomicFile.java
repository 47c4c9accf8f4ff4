package io.logpipe.common.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Replaces a file so that a crash at any moment leaves either the old content or the new, whole: the new content is
 * written to {@code <name>.tmp} beside it, fsynced, renamed over the file, and the directory is fsynced so that the
 * rename itself survives a power loss.
 *
 * <p>A {@code .tmp} file left by a crash is overwritten by the next write; readers never look at it.
 */
public final class AtomicFile {
    /** Writes the new content into the temporary file's channel; the channel is fsynced and closed afterwards. */
    @FunctionalInterface
    public interface ContentWriter {
        void writeTo(FileChannel channel) throws IOException;
    }

    private AtomicFile() {
    }

    /** Replaces {@code file} with {@code text} in UTF-8. */
    public static void writeString(Path file, CharSequence text) throws IOException {
        write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Replaces {@code file} with {@code content}. */
    public static void write(Path file, byte[] content) throws IOException {
        write(file, channel -> {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        });
    }

    /** Replaces {@code file} with what {@code writer} writes; if it throws, the file is untouched. */
    public static void write(Path file, ContentWriter writer) throws IOException {
        write(file, writer, null);
    }

    /**
     * As {@link #write(Path, ContentWriter)}, the new file having exactly {@code permissions} (e.g. 0600 for secrets)
     * from before its first byte is written, whatever the umask; null keeps the process's default.
     */
    public static void write(Path file, ContentWriter writer, Set<PosixFilePermission> permissions)
            throws IOException {
        Path tmp = temporaryFileOf(file);
        if (permissions != null) {
            Files.deleteIfExists(tmp); // a left-over temporary file would keep its own mode
        }
        try (FileChannel channel = permissions == null
                ? FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)
                : FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(permissions))) {
            if (permissions != null) {
                Files.setPosixFilePermissions(tmp, permissions); // the umask may have taken bits away
            }
            writer.writeTo(channel);
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("the file system of " + file.toAbsolutePath().getParent()
                    + " cannot rename atomically, so " + file.getFileName() + " cannot be replaced safely", e);
        }
        fsyncDirectory(file.toAbsolutePath().getParent());
    }

    /** The temporary file {@link #write} uses for {@code file}. */
    public static Path temporaryFileOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    /**
     * Makes the directory's entries (a rename, a new or deleted file) durable. Some file systems cannot fsync a
     * directory; there the rename is still atomic, only its durability is the file system's own.
     */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // see above: nothing more can be done here
        }
    }
}
