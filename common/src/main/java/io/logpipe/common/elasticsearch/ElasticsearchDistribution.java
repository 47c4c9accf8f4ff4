package io.logpipe.common.elasticsearch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The Elasticsearch distribution zip that Maven resolved from Maven Central, unpacked once into a directory. Several
 * JVMs may share the directory (the test JVMs of one build): unpacking happens under a file lock, and a marker file
 * says it completed, so a half-unpacked tree is never used.
 */
public final class ElasticsearchDistribution {
    /** Work done on the unpacked home under the same lock, such as installing a plugin; must be idempotent. */
    public interface Preparation {
        void prepare(Path home, String version) throws IOException;
    }

    private ElasticsearchDistribution() {
    }

    /** Unpacks {@code zip} into {@code base} unless done already; returns the Elasticsearch home directory. */
    public static Path unpacked(Path zip, Path base, Preparation preparation, Consumer<String> log) throws IOException {
        if (!Files.isRegularFile(zip)) {
            throw new IOException("the Elasticsearch distribution " + zip + " is missing; build through Maven "
                    + "(the module declares it as a dependency, so Maven downloads it)");
        }
        Files.createDirectories(base);
        String name = zip.getFileName().toString().replaceFirst("\\.zip$", "");
        Path home = base.resolve(name);
        Path done = base.resolve(name + ".unpacked");
        try (FileChannel lockFile = FileChannel.open(base.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
            if (!Files.exists(done)) {
                log.accept("unpacking " + zip + " into " + base);
                unzip(zip, base);
                try (var bin = Files.list(home.resolve("bin"))) {
                    for (Path tool : (Iterable<Path>) bin::iterator) {
                        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
                    }
                }
                Files.createFile(done);
            }
            if (preparation != null) {
                preparation.prepare(home, name.substring(name.lastIndexOf('-') + 1));
            }
        }
        return home;
    }

    private static void unzip(Path zip, Path into) throws IOException {
        try (InputStream in = Files.newInputStream(zip); ZipInputStream entries = new ZipInputStream(in)) {
            for (ZipEntry entry; (entry = entries.getNextEntry()) != null; ) {
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException("zip entry escapes its directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(entries, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
