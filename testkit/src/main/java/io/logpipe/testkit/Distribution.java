package io.logpipe.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** The Elasticsearch distribution zip that Maven resolved, unpacked once under the module's target/testkit. */
final class Distribution {
    /** Set by the parent pom's surefire configuration. */
    static final String ZIP_PROPERTY = "testkit.es.zip";
    static final String DIR_PROPERTY = "testkit.dir";

    private Distribution() {
    }

    /**
     * Returns the Elasticsearch home directory, unpacking the zip on first use. When {@code serviceUser} is given
     * (we are root), the directory must be reachable by that user; if target/ sits below a directory it cannot
     * enter (such as /root), the distribution goes to /var/tmp instead.
     */
    static synchronized Path unpacked(String serviceUser) throws IOException, InterruptedException {
        Path zip = Path.of(required(ZIP_PROPERTY));
        if (!Files.isRegularFile(zip)) {
            throw new IOException("the Elasticsearch distribution " + zip + " is missing; build through Maven "
                    + "(the testkit module declares it as a dependency, so Maven downloads it)");
        }
        Path base = Path.of(System.getProperty(DIR_PROPERTY, "target/testkit")).toAbsolutePath();
        if (serviceUser != null && !reachableBy(serviceUser, base)) {
            Path fallback = Path.of("/var/tmp/logpipe-testkit", Integer.toHexString(base.toString().hashCode()));
            ElasticsearchNode.log(base + " is not reachable by user " + serviceUser + "; using " + fallback);
            base = fallback;
        }
        Files.createDirectories(base);
        String name = zip.getFileName().toString().replaceFirst("\\.zip$", "");
        Path home = base.resolve(name);
        Path done = base.resolve(name + ".unpacked");
        // Several test JVMs of one build may share the directory: unpack under a file lock.
        try (FileChannel lockFile = FileChannel.open(base.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
            if (!Files.exists(done)) {
                ElasticsearchNode.log("unpacking " + zip + " into " + base);
                unzip(zip, base);
                try (var bin = Files.list(home.resolve("bin"))) {
                    for (Path tool : (Iterable<Path>) bin::iterator) {
                        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
                    }
                }
                Files.createFile(done);
            }
            SecurityIndexAnalysis.install(home, name.substring(name.lastIndexOf('-') + 1));
        }
        return home;
    }

    private static boolean reachableBy(String user, Path dir) throws IOException, InterruptedException {
        ServiceUser.ensureExists(user);
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return false;
        }
        return Processes.exitCode(List.of("runuser", "-u", user, "--", "test", "-x", existing.toString()),
                Duration.ofSeconds(30)) == 0;
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
                    Files.copy(entries, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set; run the tests through Maven "
                    + "(the parent pom sets it for surefire)");
        }
        return value;
    }
}
