package io.logpipe.testkit;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Makes API keys work on the integ-test-zip distribution. Elasticsearch keeps API keys in its .security index, whose
 * "email" analyzer needs the pattern_capture and unique token filters and the uax_url_email tokenizer; those come
 * with the default distribution's analysis-common module, which the integ-test-zip leaves out (creating a key fails
 * with "Unknown filter type [pattern_capture] for [email]"). This installs a small plugin providing them, compiled
 * from the testkit's resource against the distribution's own jars, into the distribution's plugins directory.
 */
final class SecurityIndexAnalysis {
    static final String PLUGIN = "logpipe-security-analysis";
    private static final String SOURCE = "analysis-plugin/SecurityIndexAnalysisPlugin.java";
    private static final String CLASS_NAME = "io.logpipe.testkit.analysis.SecurityIndexAnalysisPlugin";

    private SecurityIndexAnalysis() {
    }

    /** Installs the plugin into {@code home} unless it is there; call under the distribution's lock. */
    static void install(Path home, String version) throws IOException {
        Path pluginDir = home.resolve("plugins").resolve(PLUGIN);
        Path descriptor = pluginDir.resolve("plugin-descriptor.properties");
        if (Files.exists(descriptor)) {
            return;
        }
        ElasticsearchNode.log("compiling the " + PLUGIN + " plugin (for API keys) into " + pluginDir);
        Path work = Files.createTempDirectory("logpipe-es-plugin");
        try {
            Path source = work.resolve("SecurityIndexAnalysisPlugin.java");
            try (InputStream in = SecurityIndexAnalysis.class.getResourceAsStream(SOURCE)) {
                if (in == null) {
                    throw new IOException("testkit resource " + SOURCE + " is missing");
                }
                Files.copy(in, source);
            }
            Path classes = Files.createDirectories(work.resolve("classes"));
            JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
            if (compiler == null) {
                throw new IOException("no Java compiler in " + System.getProperty("java.home") + ": run the tests on a JDK");
            }
            ByteArrayOutputStream messages = new ByteArrayOutputStream();
            String classpath;
            try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
                classpath = jars.filter(jar -> jar.toString().endsWith(".jar")).map(Path::toString)
                        .collect(Collectors.joining(File.pathSeparator));
            }
            int exit = compiler.run(null, messages, messages, "-d", classes.toString(), "-cp", classpath,
                    "--release", "17", "-nowarn", source.toString());
            if (exit != 0) {
                throw new IOException("compiling " + SOURCE + " against " + home.resolve("lib") + " failed (exit "
                        + exit + "):\n" + messages.toString(StandardCharsets.UTF_8));
            }
            Files.createDirectories(pluginDir);
            try (OutputStream out = Files.newOutputStream(pluginDir.resolve(PLUGIN + ".jar"));
                 JarOutputStream jar = new JarOutputStream(out);
                 Stream<Path> files = Files.walk(classes)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    jar.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                    Files.copy(file, jar);
                    jar.closeEntry();
                }
            }
            // Written last: its presence means the plugin is complete.
            Files.writeString(descriptor, String.join("\n", List.of(
                    "description=Analysis components for the .security index's email analyzer (logpipe tests only)",
                    "version=" + version,
                    "name=" + PLUGIN,
                    "classname=" + CLASS_NAME,
                    "java.version=17",
                    "elasticsearch.version=" + version)) + "\n", StandardCharsets.UTF_8);
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }
}
