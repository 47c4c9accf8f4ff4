package io.logpipe.shipper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.common.secrets.KeystorePassword;
import io.logpipe.common.secrets.SecretStore;
import io.logpipe.shipper.testing.ShipperProcess;
import io.logpipe.shipper.testing.ShipperProcess.Result;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/shipper keystore create|add|list|remove} as Filebeat's {@code filebeat keystore}, run as a real
 * process where standard input or SHIPPER_KEYSTORE_PASS matter, else through the main class in this JVM: the keystore is path.data/shipper.keystore of the configuration, values come from standard input with
 * --stdin, {@code list} never shows a value, and a run finds {@code ${KEY}} there before the environment.
 */
class ShipperKeystoreTest {
    private static final Map<String, String> NO_PASSWORD = Map.of();

    @TempDir
    Path dir;

    private Path config() throws Exception {
        Path config = dir.resolve("shipper.yml");
        Files.writeString(config, "filebeat.inputs:\n  - paths: ['" + dir + "/*.log']\npath.data: " + dir.resolve("data")
                + "\noutput.file:\n  path: '${OUT_DIR}'\n");
        return config;
    }

    /** In this JVM (no SHIPPER_KEYSTORE_PASS, no terminal): for what needs neither standard input nor a password. */
    private static Result inJvm(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        int code = Shipper.run(args, print, print);
        return new Result(code, out.toString(StandardCharsets.UTF_8));
    }

    private static Result keystore(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "keystore";
        System.arraycopy(args, 0, all, 1, args.length);
        return inJvm(all);
    }

    private Result keystore(Map<String, String> env, String stdin, String... args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = "keystore";
        System.arraycopy(args, 0, all, 1, args.length);
        return ShipperProcess.run(env, stdin, all);
    }

    @Test
    void createAddListRemoveManageThePathDataKeystore() throws Exception {
        String c = config().toString();
        Path file = dir.resolve("data/shipper.keystore");
        Result created = keystore("create", "-c", c);
        assertEquals(0, created.code(), created.output());
        assertTrue(created.output().startsWith("Created keystore " + file + " (no password: SHIPPER_KEYSTORE_PASS is"
                + " not set"), created.output());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        Result again = keystore("create", "-c", c);
        assertEquals(1, again.code());
        assertEquals("shipper: " + file + " already exists; use --force to replace it (its keys are then lost)\n",
                again.output());

        Result added = keystore(NO_PASSWORD, "kafka-secret\n", "add", "KAFKA_PASSWORD", "--stdin", "-c", c);
        assertEquals(0, added.code(), added.output());
        assertEquals("Added KAFKA_PASSWORD to " + file + "\n", added.output());
        assertEquals("kafka-secret", SecretStore.open(file, KeystorePassword.from("P", n -> null)).get("KAFKA_PASSWORD"),
                "one trailing newline of standard input is dropped");

        Result twice = keystore(NO_PASSWORD, "other\n", "add", "KAFKA_PASSWORD", "--stdin", "-c", c);
        assertEquals(1, twice.code());
        assertEquals("shipper: KAFKA_PASSWORD is already in " + file + "; use --force to overwrite it\n", twice.output());
        Result forced = keystore(NO_PASSWORD, "new-secret", "add", "--force", "KAFKA_PASSWORD", "--stdin", "-c", c);
        assertEquals(0, forced.code(), forced.output());
        assertEquals(0, keystore(NO_PASSWORD, "/tmp/out\n", "add", "OUT_DIR", "--stdin", "-c", c).code());

        Result noTerminal = keystore("add", "ES_PWD", "-c", c);
        assertEquals(1, noTerminal.code());
        assertEquals("shipper: no terminal to ask for the value of ES_PWD; give it on standard input with --stdin\n",
                noTerminal.output());
        Result badName = keystore(NO_PASSWORD, "x", "add", "es.pwd", "--stdin", "-c", c);
        assertEquals(1, badName.code());
        assertTrue(badName.output().startsWith("shipper: 'es.pwd' cannot be a key"), badName.output());

        Result listed = keystore("list", "-c", c);
        assertEquals(0, listed.code(), listed.output());
        assertEquals("KAFKA_PASSWORD\nOUT_DIR\n", listed.output());
        assertFalse(listed.output().contains("secret"));

        Result tested = inJvm("test", "config", "-c", c);
        assertEquals(0, tested.code(), tested.output());
        assertTrue(tested.output().contains("output: file /tmp/out/"), "${OUT_DIR} came from the keystore: "
                + tested.output());

        Result removed = keystore("remove", "OUT_DIR", "-c", c);
        assertEquals(0, removed.code(), removed.output());
        assertEquals("Removed OUT_DIR from " + file + "\n", removed.output());
        Result missing = keystore("remove", "OUT_DIR", "-c", c);
        assertEquals(1, missing.code());
        assertEquals("shipper: OUT_DIR is not in " + file + " (nothing removed)\n", missing.output());
        assertEquals("KAFKA_PASSWORD\n", keystore("list", "-c", c).output());

        Result unset = inJvm("test", "config", "-c", c);
        assertEquals(1, unset.code(), unset.output());
        assertTrue(unset.output().contains("output.file.path: ${OUT_DIR} is not set in the keystore " + file
                + " or the environment"), unset.output());
    }

    @Test
    void aPasswordProtectedKeystoreNeedsItsPasswordAndAWrongOneNamesTheFile() throws Exception {
        String c = config().toString();
        Path file = dir.resolve("elsewhere/shipper.keystore");
        Map<String, String> right = Map.of("SHIPPER_KEYSTORE_PASS", "open sesame");
        Result created = keystore(right, null, "create", "--path.data", file.getParent().toString());
        assertEquals(0, created.code(), created.output());
        assertEquals("Created keystore " + file + " (encrypted under the password in SHIPPER_KEYSTORE_PASS)\n",
                created.output());
        assertEquals(0, keystore(right, "/tmp/out", "add", "OUT_DIR", "--stdin", "--path.data",
                file.getParent().toString()).code());

        Result ok = ShipperProcess.run(right, null, "test", "config", "-c", c, "--path.data", file.getParent().toString());
        assertEquals(0, ok.code(), ok.output());
        Result wrong = ShipperProcess.run(Map.of("SHIPPER_KEYSTORE_PASS", "open barley"), null, "test", "config",
                "-c", c, "--path.data", file.getParent().toString());
        assertEquals(1, wrong.code(), wrong.output());
        assertEquals("shipper: " + file + ": wrong keystore password (from SHIPPER_KEYSTORE_PASS): the keystore cannot"
                + " be decrypted with it\n", wrong.output());
        Result none = keystore("list", "--path.data", file.getParent().toString());
        assertEquals(1, none.code());
        assertEquals("shipper: " + file + ": the keystore is protected by a password; set SHIPPER_KEYSTORE_PASS to it\n",
                none.output());
    }

    @Test
    void helpAndBadUsage() throws Exception {
        Result help = keystore("--help");
        assertEquals(0, help.code());
        assertTrue(help.output().startsWith("Usage: bin/shipper keystore create [--force]\n"), help.output());
        assertTrue(help.output().contains("--path.data DIR    the keystore is DIR/shipper.keystore"), help.output());
        Result version = keystore("--version");
        assertEquals(0, version.code());
        assertTrue(version.output().startsWith("shipper "), version.output());
        Result nothing = keystore();
        assertEquals(2, nothing.code());
        assertEquals("shipper: give a subcommand: create, add, list or remove (see bin/shipper keystore --help)\n",
                nothing.output());
        Result noKeystore = keystore("list", "--path.data", dir.resolve("empty").toString());
        assertEquals(1, noKeystore.code());
        assertEquals("shipper: " + dir.resolve("empty/shipper.keystore") + " does not exist; create it with:"
                + " bin/shipper keystore create\n", noKeystore.output());
        assertTrue(inJvm("--help").output().contains("bin/shipper keystore create|add"));
    }
}
