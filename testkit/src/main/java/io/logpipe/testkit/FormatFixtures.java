package io.logpipe.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * Data dirs checked in under a module's {@code src/test/resources/formats/v<N>/}, written by a component in format
 * version N: a test starts the component on a copy (never on the checked-in files), so every later release must keep
 * reading them. Each fixture's generator is a test of its own, run only with {@code -Dformats.write=true}.
 */
public final class FormatFixtures {
    /** The system property that runs the generators; they write into the module's src/test/resources. */
    public static final String WRITE = "formats.write";

    private FormatFixtures() {
    }

    /** Copies the class-path directory {@code resource} (as {@code /formats/v1/logdir}) to {@code target}. */
    public static Path copy(String resource, Path target) {
        try {
            var url = FormatFixtures.class.getResource(resource);
            if (url == null) {
                throw new IllegalArgumentException("no fixture " + resource + " on the class path");
            }
            copyTree(Path.of(url.toURI()), target);
            return target;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(resource, e);
        }
    }

    /** Keeps what a generator wrote in {@code from} as the fixture {@code resource} of the module it runs in. */
    public static void keep(Path from, String resource) {
        copyTree(from, Path.of("src/test/resources" + resource));
    }

    /** Copies a tree, leaving out the {@code .lock} files a running component holds. */
    private static void copyTree(Path from, Path to) {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().endsWith(".lock")) {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }
}
