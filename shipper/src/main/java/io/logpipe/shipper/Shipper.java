package io.logpipe.shipper;

import io.logpipe.common.log.RotatingLog;
import io.logpipe.shipper.config.ConfigException;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Entry point of {@code bin/shipper}. */
public final class Shipper {
    static final String USAGE = """
Usage: bin/shipper -c CONFIG [-e] [--path.data DIR] [-E key=value ...]
       bin/shipper test config -c CONFIG
       bin/shipper test output -c CONFIG

Tails log files and ships their lines to Kafka. CONFIG is a filebeat.yml (7.x dialect).

  -c CONFIG           the configuration file (conf/shipper.yml)
  -e                  log to stderr
  --path.data DIR     where the registry lives (overrides path.data)
  -E key=value        override one setting (repeatable)
  test config         validate CONFIG and list the files each input would harvest now
  test output         connect to the configured brokers and report
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

    static ShipperConfig load(Arguments a, java.util.function.Consumer<String> warn) {
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
        return ShipperConfig.from(a.config, root, warn);
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
