package io.logpipe.common.secrets;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code keystore create|add|list|remove}, the same for every component (Filebeat's {@code filebeat keystore} and
 * Logstash's {@code logstash-keystore}): each component finds its keystore file and password and hands over the rest
 * of the command line. Values are read from standard input ({@code --stdin}) or a prompt that does not echo; no
 * subcommand prints a value.
 */
public final class KeystoreCommand {
    private final String program;
    private final String version;
    private final String componentOptions;
    private final Supplier<Path> keystore;
    private final KeystorePassword password;
    private final InputStream in;
    private final Console console;

    /**
     * {@code program} is how the user runs it ("bin/shipper keystore"), {@code version} what {@code --version}
     * prints ("shipper 0.1.0"), {@code componentOptions} the usage lines of
     * the options the component already took from the command line (how the keystore is found); {@code keystore}
     * is asked only when a subcommand runs, so {@code --help} needs no configuration.
     */
    public KeystoreCommand(String program, String version, String componentOptions, Supplier<Path> keystore,
                           KeystorePassword password, InputStream in, Console console) {
        this.program = program;
        this.version = version;
        this.componentOptions = componentOptions;
        this.keystore = keystore;
        this.password = password;
        this.in = in;
        this.console = console;
    }

    public String usage() {
        return "Usage: " + program + " create [--force]\n"
                + "       " + program + " add KEY... [--stdin] [--force]\n"
                + "       " + program + " list\n"
                + "       " + program + " remove KEY...\n"
                + "\n"
                + "Keeps secrets for ${KEY} in the configuration: a key is looked up in the keystore first, then in\n"
                + "the environment. Values are encrypted (AES-256-GCM) under " + password.variable() + " when it is\n"
                + "set at create; without it they are only obfuscated and the file's mode (0600) protects them.\n"
                + "\n"
                + "  create             make an empty keystore (--force replaces an existing one)\n"
                + "  add KEY...         add keys; each value is asked for without echo, or read from standard input\n"
                + "                     with --stdin (one key; one trailing newline is dropped); --force overwrites\n"
                + "  list               the keys, one a line (never their values)\n"
                + "  remove KEY...      remove keys\n"
                + componentOptions
                + "  -h, --help         show this help\n"
                + "  --version          print the version\n";
    }

    /** Runs {@code args} (after {@code keystore}); returns the exit code: 0 done, 1 failed, 2 bad usage. */
    public int run(List<String> args, PrintStream out, PrintStream err) {
        String name = program.substring(program.lastIndexOf('/') + 1);
        String prefix = (name.contains(" ") ? name.substring(0, name.indexOf(' ')) : name) + ": ";
        List<String> words = new ArrayList<>();
        boolean force = false;
        boolean stdin = false;
        for (String arg : args) {
            switch (arg) {
                case "-h", "--help" -> {
                    out.print(usage());
                    return 0;
                }
                case "--version", "-V" -> {
                    out.println(version);
                    return 0;
                }
                case "--force", "-f" -> force = true;
                case "--stdin" -> stdin = true;
                default -> {
                    if (arg.startsWith("-")) {
                        err.println(prefix + "unknown option '" + arg + "' (see " + program + " --help)");
                        return 2;
                    }
                    words.add(arg);
                }
            }
        }
        if (words.isEmpty()) {
            err.println(prefix + "give a subcommand: create, add, list or remove (see " + program + " --help)");
            return 2;
        }
        String sub = words.get(0);
        List<String> keys = words.subList(1, words.size());
        try {
            switch (sub) {
                case "create" -> {
                    if (!keys.isEmpty() || stdin) {
                        return usage(prefix, "create takes no keys", err);
                    }
                    return create(force, out);
                }
                case "add" -> {
                    if (keys.isEmpty()) {
                        return usage(prefix, "add needs a KEY", err);
                    }
                    if (stdin && keys.size() > 1) {
                        return usage(prefix, "--stdin reads one value: add one KEY at a time", err);
                    }
                    return add(keys, stdin, force, out);
                }
                case "list" -> {
                    if (!keys.isEmpty() || force || stdin) {
                        return usage(prefix, "list takes no arguments", err);
                    }
                    openExisting().names().forEach(out::println);
                    return 0;
                }
                case "remove" -> {
                    if (keys.isEmpty()) {
                        return usage(prefix, "remove needs a KEY", err);
                    }
                    SecretStore store = openExisting();
                    for (String key : keys) {
                        if (!store.contains(key)) {
                            err.println(prefix + key + " is not in " + store.file() + " (nothing removed)");
                            return 1;
                        }
                    }
                    keys.forEach(store::remove);
                    store.save();
                    out.println("Removed " + String.join(", ", keys) + " from " + store.file());
                    return 0;
                }
                default -> {
                    return usage(prefix, "unknown subcommand '" + sub + "'; use create, add, list or remove", err);
                }
            }
        } catch (IOException e) {
            err.println(prefix + e.getMessage());
            return 1;
        }
    }

    private int usage(String prefix, String problem, PrintStream err) {
        err.println(prefix + problem + " (see " + program + " --help)");
        return 2;
    }

    /** A failure whose message is the whole story. */
    private static final class Failure extends IOException {
        Failure(String message) {
            super(message);
        }
    }

    private int create(boolean force, PrintStream out) throws IOException {
        Path file = keystore.get();
        if (Files.exists(file) && !force) {
            throw new Failure(file + " already exists; use --force to replace it (its keys are then lost)");
        }
        SecretStore.create(file, password).save();
        out.println("Created keystore " + file + (password.given()
                ? " (encrypted under the password in " + password.variable() + ")"
                : " (no password: " + password.variable() + " is not set, so values are obfuscated and the file's"
                        + " mode 0600 protects them)"));
        return 0;
    }

    private int add(List<String> keys, boolean stdin, boolean force, PrintStream out) throws IOException {
        SecretStore store = openExisting();
        for (String key : keys) {
            if (store.contains(key) && !force) {
                throw new Failure(key + " is already in " + store.file() + "; use --force to overwrite it");
            }
        }
        for (String key : keys) {
            String value = stdin ? readStdin() : prompt(key);
            if (value.isEmpty()) {
                throw new Failure("the value of " + key + " is empty; nothing was added");
            }
            try {
                store.put(key, value);
            } catch (IllegalArgumentException e) {
                throw new Failure(e.getMessage());
            }
        }
        store.save();
        out.println("Added " + String.join(", ", keys) + " to " + store.file());
        return 0;
    }

    private SecretStore openExisting() throws IOException {
        Path file = keystore.get();
        try {
            return SecretStore.open(file, password);
        } catch (NoSuchFileException e) {
            throw new Failure(file + " does not exist; create it with: " + program + " create");
        }
    }

    private String readStdin() throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        in.transferTo(buffer);
        String value = buffer.toString(StandardCharsets.UTF_8);
        if (value.endsWith("\r\n")) {
            return value.substring(0, value.length() - 2);
        }
        return value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
    }

    private String prompt(String key) throws Failure {
        if (console == null) {
            throw new Failure("no terminal to ask for the value of " + key + "; give it on standard input with --stdin");
        }
        char[] value = console.readPassword("Enter value for %s: ", key);
        if (value == null) {
            throw new Failure("no value for " + key + " (end of input)");
        }
        return new String(value);
    }
}
