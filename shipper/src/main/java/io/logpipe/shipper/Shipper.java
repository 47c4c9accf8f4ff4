package io.logpipe.shipper;

import io.logpipe.common.config.Variables;
import io.logpipe.common.log.RotatingLog;
import io.logpipe.common.secrets.KeystoreCommand;
import io.logpipe.common.secrets.KeystorePassword;
import io.logpipe.common.secrets.SecretStore;
import io.logpipe.common.config.ConfigException;
import io.logpipe.shipper.config.ConfigFile;
import io.logpipe.shipper.config.InputConfig;
import io.logpipe.shipper.config.OutputConfig;
import io.logpipe.shipper.config.Section;
import io.logpipe.shipper.config.ShipperConfig;
import io.logpipe.shipper.input.Crawler;
import io.logpipe.shipper.input.ScanResult;
import io.logpipe.shipper.output.KafkaProbe;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/** Entry point of {@code bin/shipper}. */
public final class Shipper {
    static final String USAGE = """
Usage: bin/shipper -c CONFIG [-e] [--path.data DIR] [-E key=value ...]
       bin/shipper test config -c CONFIG
       bin/shipper test output -c CONFIG
       bin/shipper keystore create|add|list|remove ... [-c CONFIG] [--path.data DIR]

Tails log files and ships their lines to Kafka. CONFIG is a filebeat.yml (7.x dialect).

  -c CONFIG           the configuration file (conf/shipper.yml)
  -e                  log to stderr
  --path.data DIR     where the registry lives (overrides path.data)
  -E key=value        override one setting (repeatable)
  test config         validate CONFIG and list the files each input would harvest now
  test output         connect to the configured brokers and report
  keystore            manage the secrets keystore, path.data/shipper.keystore: ${KEY} in CONFIG is
                      looked up there before the environment (see bin/shipper keystore --help)
  -h, --help          show this help
  --version           print the version
""";

    private Shipper() {
    }

    /** Parsed command line. */
    record Arguments(String command, Path config, boolean stderr, Path dataPath, List<String> overrides) {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length >= 1 && args[0].equals("keystore")) {
            return keystore(List.of(args).subList(1, args.length), System::getenv, out, err);
        }
        if (args.length == 1 && args[0].equals("--version")) {
            // Implementation-Version of the jar's manifest, written by the build
            out.println("shipper " + Shipper.class.getPackage().getImplementationVersion());
            return 0;
        }
        Arguments a;
        try {
            a = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("shipper: " + e.getMessage());
            err.println("see bin/shipper --help");
            return 2;
        }
        if (a == null) {
            out.print(USAGE);
            return 0;
        }
        List<String> warnings = new ArrayList<>();
        ShipperConfig config;
        try {
            config = load(a, warnings::add);
        } catch (ConfigException e) {
            err.println("shipper: " + e.getMessage());
            return 1;
        }
        if (config.logFiles() != null && a.command.equals("run")) {
            try {
                RotatingLog file = new RotatingLog(config.logFiles().file(),
                        config.logFiles().rotateEveryBytes(), config.logFiles().keepFiles());
                err.println("shipper: logging to " + file.file() + " (logging.to_files)");
                System.setErr(file.printStream());
            } catch (IOException e) {
                err.println("shipper: cannot write the log file " + config.logFiles().file() + ": " + e.getMessage());
                return 1;
            }
        }
        Logging.configure(config.logLevel());
        switch (a.command) {
            case "test config":
                return testConfig(config, warnings, out);
            case "test output":
                warnings.forEach(w -> err.println("WARN " + w));
                return testOutput(config, out);
            default:
                return new Agent(config, warnings).run();
        }
    }

    static Arguments parse(String[] args) {
        String command = "run";
        Path config = null;
        boolean stderr = false;
        Path data = null;
        List<String> overrides = new ArrayList<>();
        int i = 0;
        if (args.length >= 2 && args[0].equals("test")) {
            if (!args[1].equals("config") && !args[1].equals("output")) {
                throw new IllegalArgumentException("unknown test '" + args[1] + "'; use 'test config' or "
                        + "'test output'");
            }
            command = "test " + args[1];
            i = 2;
        } else if (args.length == 1 && args[0].equals("test")) {
            throw new IllegalArgumentException("'test' needs 'config' or 'output'");
        }
        for (; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help", "help" -> {
                    return null;
                }
                case "-c", "--c" -> config = Path.of(value(args, ++i, arg));
                case "-e" -> stderr = true;
                case "--path.data", "-path.data" -> data = Path.of(value(args, ++i, arg));
                case "-E" -> overrides.add(value(args, ++i, arg));
                default -> {
                    if (arg.startsWith("--path.data=")) {
                        data = Path.of(arg.substring("--path.data=".length()));
                    } else if (arg.startsWith("-E") && arg.length() > 2) {
                        overrides.add(arg.substring(2));
                    } else {
                        throw new IllegalArgumentException("unknown argument '" + arg + "'");
                    }
                }
            }
        }
        if (config == null) {
            config = Path.of("conf/shipper.yml");
        }
        return new Arguments(command, config, stderr, data, overrides);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    /** The environment variable whose value, when set, is the keystore's password (Filebeat has none). */
    static final String KEYSTORE_PASSWORD = "SHIPPER_KEYSTORE_PASS";

    static ShipperConfig load(Arguments a, Consumer<String> warn) {
        Section root = ConfigFile.load(a.config);
        for (String o : a.overrides) {
            ConfigFile.override(root, o);
        }
        if (a.dataPath != null) {
            ConfigFile.override(root, "path.data=" + a.dataPath);
        }
        if (a.stderr) {
            ConfigFile.override(root, "logging.to_stderr=true");
        }
        return ShipperConfig.from(a.config, withKeystore(root, System::getenv), warn);
    }

    /**
     * {@code root} with its {@code ${KEY}}s looked up in the keystore first (when there is one), then in the
     * environment, as Filebeat resolves them; path.data and keystore.path themselves come from the environment only.
     */
    static Section withKeystore(Section root, Function<String, String> environment) {
        Path keystore = ShipperConfig.keystorePath(root);
        try {
            return root.withVariables(SecretStore.variables(keystore,
                    KeystorePassword.from(KEYSTORE_PASSWORD, environment), Variables.Lookup.of("the environment",
                            environment)));
        } catch (SecretStore.Unreadable e) {
            throw new ConfigException(e.getMessage());
        } catch (IOException e) {
            throw new ConfigException("cannot read the keystore " + keystore + ": " + e.getMessage());
        }
    }

    /** {@code bin/shipper keystore ...}: finds the keystore as a run would (-c, --path.data, -E), then runs it. */
    static int keystore(List<String> arguments, Function<String, String> environment, PrintStream out,
                        PrintStream err) {
        String[] args = arguments.toArray(String[]::new);
        Path config = null;
        List<String> overrides = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "-c", "--c" -> config = Path.of(value(args, ++i, arg));
                    case "--path.data", "-path.data" ->
                            overrides.add("path.data=" + value(args, ++i, arg));
                    case "-E" -> overrides.add(value(args, ++i, arg));
                    default -> {
                        if (arg.startsWith("--path.data=")) {
                            overrides.add("path.data=" + arg.substring("--path.data=".length()));
                        } else {
                            rest.add(arg);
                        }
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("shipper: " + e.getMessage());
            return 2;
        }
        Path file = config;
        KeystoreCommand command = new KeystoreCommand("bin/shipper keystore",
                "shipper " + Shipper.class.getPackage().getImplementationVersion(), """
  -c CONFIG          the configuration whose path.data (or keystore.path) holds the keystore
                     (default conf/shipper.yml if it exists)
  --path.data DIR    the keystore is DIR/shipper.keystore
  -E key=value       override a setting, as for a run
""", () -> {
            Path defaultConfig = Path.of("conf/shipper.yml");
            Section root = file != null ? ConfigFile.load(file) : Files.exists(defaultConfig)
                    ? ConfigFile.load(defaultConfig) : ConfigFile.parse("(no configuration)", "");
            overrides.forEach(o -> ConfigFile.override(root, o));
            return ShipperConfig.keystorePath(root);
        }, KeystorePassword.from(KEYSTORE_PASSWORD, environment), System.in, System.console());
        try {
            return command.run(rest, out, err);
        } catch (ConfigException e) {
            err.println("shipper: " + e.getMessage());
            return 1;
        }
    }

    private static int testConfig(ShipperConfig config, List<String> warnings, PrintStream out) {
        out.println("Config OK: " + config.file());
        for (String w : warnings) {
            out.println("  warning: " + w);
        }
        out.println("output: " + describe(config.output()));
        out.println("path.data: " + config.dataPath().toAbsolutePath());
        Map<InputConfig, ScanResult> preview = Crawler.preview(config.inputs());
        for (Map.Entry<InputConfig, ScanResult> e : preview.entrySet()) {
            InputConfig in = e.getKey();
            out.println(in.describe() + " at " + in.where() + ": paths " + in.paths()
                    + (in.multiline() != null ? ", multiline " + in.multiline().type().name().toLowerCase() : ""));
            if (e.getValue().files().isEmpty()) {
                out.println("  harvests: nothing right now");
            }
            for (ScanResult.Candidate c : e.getValue().files()) {
                out.println("  harvest " + c.path() + (c.target() == null ? "" : " -> " + c.target()) + " ("
                        + c.size() + " bytes)");
            }
            for (ScanResult.Skipped s : e.getValue().skipped()) {
                out.println("  skip    " + s.path() + ": " + s.reason());
            }
        }
        return 0;
    }

    private static int testOutput(ShipperConfig config, PrintStream out) {
        if (!(config.output() instanceof OutputConfig.Kafka kafka)) {
            out.println(describe(config.output()) + ": nothing to connect to ... OK");
            return 0;
        }
        out.println("kafka output: " + kafka.hosts());
        boolean ok = KafkaProbe.probe(kafka, out);
        out.println(ok ? "OK" : "ERROR: the output cannot be used as configured (the line above says why)");
        return ok ? 0 : 1;
    }

    static String describe(OutputConfig o) {
        if (o instanceof OutputConfig.Kafka k) {
            return "kafka " + k.hosts() + " topic " + k.topic() + ", required_acks " + k.requiredAcks()
                    + ", compression " + k.compression();
        }
        if (o instanceof OutputConfig.File f) {
            return "file " + f.path().resolve(f.filename());
        }
        return "console";
    }
}
