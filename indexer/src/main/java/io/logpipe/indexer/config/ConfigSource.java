package io.logpipe.indexer.config;

import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Variables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Loads {@code -f} (a file, a directory's files in name order, or a glob) or {@code -e} text into one pipeline. */
public final class ConfigSource {
    private ConfigSource() {
    }

    public static PipelineConfig fromString(String config) {
        return fromString(config, ConfigParser.ENVIRONMENT);
    }

    /** {@code -e} text, its {@code ${VAR}}s looked up in {@code variables}. */
    public static PipelineConfig fromString(String config, Variables.Lookup variables) {
        return ConfigParser.parse("config string", config, variables);
    }

    public static PipelineConfig fromPath(String pathOrGlob) {
        return fromPath(pathOrGlob, ConfigParser.ENVIRONMENT);
    }

    /** {@code -f} files, their {@code ${VAR}}s looked up in {@code variables}. */
    public static PipelineConfig fromPath(String pathOrGlob, Variables.Lookup variables) {
        List<Path> files = resolve(pathOrGlob);
        if (files.isEmpty()) {
            throw new ConfigException("no pipeline file matches '" + pathOrGlob + "'");
        }
        PipelineConfig config = PipelineConfig.empty();
        for (Path file : files) {
            try {
                config = config.merge(ConfigParser.parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8),
                        variables));
            } catch (IOException e) {
                throw new ConfigException("cannot read pipeline file " + file + ": " + e.getMessage());
            }
        }
        return config;
    }

    /** The files {@code -f} names, sorted by name as Logstash concatenates them. */
    public static List<Path> resolve(String pathOrGlob) {
        Path path = Path.of(pathOrGlob);
        try {
            if (Files.isDirectory(path)) {
                try (Stream<Path> files = Files.list(path)) {
                    return files.filter(Files::isRegularFile).sorted().toList();
                }
            }
            if (Files.isRegularFile(path)) {
                return List.of(path);
            }
            if (pathOrGlob.contains("*") || pathOrGlob.contains("?") || pathOrGlob.contains("{")) {
                Path base = Path.of(".");
                String glob = pathOrGlob;
                int firstWildcard = firstWildcard(pathOrGlob);
                int slash = pathOrGlob.lastIndexOf('/', firstWildcard);
                if (slash >= 0) {
                    base = Path.of(slash == 0 ? "/" : pathOrGlob.substring(0, slash));
                }
                PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
                List<Path> matches = new ArrayList<>();
                Path searchBase = base;
                // Through links: a pipelines directory linked elsewhere (the .deb's /usr/share/logpipe/pipelines →
                // /etc/logpipe/pipelines) is walked as Logstash reads a linked conf.d.
                try (Stream<Path> walk = Files.walk(base, FileVisitOption.FOLLOW_LINKS)) {
                    walk.filter(Files::isRegularFile)
                            .filter(p -> matcher.matches(slashStart(pathOrGlob, searchBase, p)))
                            .sorted()
                            .forEach(matches::add);
                }
                return matches;
            }
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path slashStart(String glob, Path base, Path file) {
        if (glob.startsWith("./") || glob.startsWith("/")) {
            return file;
        }
        return base.equals(Path.of(".")) ? Path.of(".").relativize(file) : file;
    }

    private static int firstWildcard(String glob) {
        int index = glob.length();
        for (char c : new char[] {'*', '?', '{', '['}) {
            int i = glob.indexOf(c);
            if (i >= 0 && i < index) {
                index = i;
            }
        }
        return index;
    }
}
