package io.logpipe.indexer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/indexer keystore create|add|list|remove} as Logstash's {@code bin/logstash-keystore}, run as a real
 * process: the keystore is path.settings/indexer.keystore, protected by LOGSTASH_KEYSTORE_PASS when it is set, and
 * {@code ${KEY}} in indexer.yml and pipeline files is found there before the environment.
 */
class IndexerKeystoreTest {
    private static final String PASS = "LOGSTASH_KEYSTORE_PASS";

    @TempDir
    Path dir;

    private record Result(int code, String output) {
    }

    private static Result indexer(Map<String, String> env, String stdin, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), "io.logpipe.indexer.Indexer"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove(PASS);
        pb.environment().putAll(env);
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        Process p = pb.start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "indexer " + args[0] + " ended");
        return new Result(p.exitValue(), output);
    }

    @Test
    void createAddListRemoveAndAPipelineReadsItsKeysFromThePathSettingsKeystore() throws Exception {
        Path settings = Files.createDirectories(dir.resolve("settings"));
        Path file = settings.resolve("indexer.keystore");
        String s = "--path.settings=" + settings;
        Map<String, String> pass = Map.of(PASS, "logstash pass");

        Result created = indexer(pass, null, "keystore", "create", s);
        assertEquals(0, created.code(), created.output());
        assertEquals("Created keystore " + file + " (encrypted under the password in LOGSTASH_KEYSTORE_PASS)\n",
                created.output());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Result added = indexer(pass, "es-secret\n", "keystore", "add", "ES_PWD", "--stdin", s);
        assertEquals(0, added.code(), added.output());
        assertEquals("Added ES_PWD to " + file + "\n", added.output());
        assertEquals(0, indexer(pass, "7\n", "keystore", "add", "WORKERS", "--stdin", s).code());
        Result twice = indexer(pass, "8\n", "keystore", "add", "WORKERS", "--stdin", s);
        assertEquals(1, twice.code());
        assertEquals("indexer: WORKERS is already in " + file + "; use --force to overwrite it\n", twice.output());
        assertEquals(0, indexer(pass, "3\n", "keystore", "add", "WORKERS", "--stdin", "--force", s).code());

        Result listed = indexer(pass, null, "keystore", "list", s);
        assertEquals("ES_PWD\nWORKERS\n", listed.output());
        assertFalse(listed.output().contains("es-secret"));

        // ${KEY} in indexer.yml and in the pipeline file, resolved from the keystore before the environment
        Files.writeString(settings.resolve("indexer.yml"), "pipeline.workers: ${WORKERS}\npath.data: " + dir + "\n");
        Path conf = dir.resolve("p.conf");
        Files.writeString(conf, "output { file { path => \"" + dir + "/${ES_PWD}.out\" } }\n");
        Result checked = indexer(Map.of(PASS, "logstash pass", "WORKERS", "5"), null, "-t", "-f", conf.toString(), s);
        assertEquals(0, checked.code(), checked.output());
        assertTrue(checked.output().contains("pipeline main: 3 worker(s)"), "WORKERS came from the keystore, not"
                + " the environment: " + checked.output());

        Result wrong = indexer(Map.of(PASS, "not it"), null, "-t", "-f", conf.toString(), s);
        assertEquals(1, wrong.code(), wrong.output());
        assertEquals("indexer: " + file + ": wrong keystore password (from LOGSTASH_KEYSTORE_PASS): the keystore"
                + " cannot be decrypted with it\n", wrong.output());
        Result none = indexer(Map.of(), null, "keystore", "list", s);
        assertEquals(1, none.code());
        assertEquals("indexer: " + file + ": the keystore is protected by a password; set LOGSTASH_KEYSTORE_PASS to"
                + " it\n", none.output());

        Result removed = indexer(pass, null, "keystore", "remove", "WORKERS", s);
        assertEquals(0, removed.code(), removed.output());
        Result unset = indexer(pass, null, "-t", "-f", conf.toString(), s);
        assertEquals(1, unset.code(), unset.output());
        assertTrue(unset.output().contains(settings.resolve("indexer.yml") + ":1:19: 'pipeline.workers': variable"
                + " ${WORKERS} is not set in the keystore " + file + " or the environment"), unset.output());
    }

    @Test
    void helpAndBadUsage() throws Exception {
        Result help = indexer(Map.of(), null, "keystore", "--help");
        assertEquals(0, help.code());
        assertTrue(help.output().startsWith("Usage: bin/indexer keystore create [--force]\n"), help.output());
        assertTrue(help.output().contains("--path.settings DIR  the keystore is DIR/indexer.keystore"), help.output());
        Result bad = indexer(Map.of(), null, "keystore", "show", "X", "--path.settings", dir.toString());
        assertEquals(2, bad.code());
        assertEquals("indexer: unknown subcommand 'show'; use create, add, list or remove (see bin/indexer keystore"
                + " --help)\n", bad.output());
        Result absent = indexer(Map.of(), "x", "keystore", "add", "K", "--stdin", "--path.settings", dir.toString());
        assertEquals(1, absent.code());
        assertEquals("indexer: " + dir.resolve("indexer.keystore") + " does not exist; create it with: bin/indexer"
                + " keystore create\n", absent.output());
        assertTrue(indexer(Map.of(), null, "--help").output().contains("bin/indexer keystore create|add|list|remove"));
    }
}
