package io.logpipe.indexer.prune;

import io.logpipe.common.config.ConfigException;
import io.logpipe.indexer.es.ElasticsearchConnection;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Entry point of {@code bin/prune}: one run of the retention rules, for cron or a systemd timer. */
public final class Prune {
    static final String USAGE = """
Usage: bin/prune -c RETENTION_YML [--dry-run]
       bin/prune --hosts URL --pattern PATTERN --date-format FORMAT --keep AGE [options] [--dry-run]

Deletes date-suffixed Elasticsearch indices older than their retention, by explicit name (works with
action.destructive_requires_name: true). Never deletes an index whose suffix is no date, today's or a
future index, a data stream's backing index, or an index reached only through an alias.

  -c FILE               retention rules (conf/retention.yml)
  --hosts URL[,URL]     Elasticsearch URL(s); several give failover
  --pattern PATTERN     index pattern whose last '*' is the date, e.g. nginx.access-*
  --date-format FMT     the date's format (Joda style, UTC), e.g. yyyy.MM.dd or yyyy.MM.dd.HH
  --keep AGE            how long to keep: 90m, 36h, 5d, 2w
  --user USER           basic auth user (the password from --password or $PRUNE_PASSWORD)
  --password PASSWORD   basic auth password
  --api-key ID:KEY      API key instead of user/password
  --ca-file PEM         CA certificate(s) for https hosts
  --dry-run             list what would be deleted and why, delete nothing
  --check               validate the rules (-c FILE or the flags) and exit: 0 valid, 2 not; contacts nothing
  -h, --help            show this help
  --version             print the version

Every deletion prints an audit line: index, its date, the rule and the cutoff.
Exit status: 0 done (also when nothing was due), 1 Elasticsearch answered with an error or could not be
reached, 2 a bad argument or configuration.
""";

    private Prune() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, Clock.systemUTC()));
    }

    static int run(String[] args, PrintStream out, PrintStream err, Clock clock) {
        if (args.length == 1 && args[0].equals("--version")) {
            // Implementation-Version of the jar's manifest, written by the build
            out.println("prune " + Prune.class.getPackage().getImplementationVersion());
            return 0;
        }
        Arguments parsed;
        try {
            parsed = Arguments.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("prune: " + e.getMessage() + " (see --help)");
            return 2;
        }
        if (parsed.help) {
            out.print(USAGE);
            return 0;
        }
        List<RetentionRule> rules;
        try {
            rules = parsed.config != null
                    ? RetentionConfig.load(parsed.config, System::getenv, err).rules()
                    : List.of(parsed.rule());
        } catch (ConfigException e) {
            err.println("prune: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("prune: " + e.getMessage());
            return 2;
        }
        if (parsed.check) {
            out.println("prune: " + (parsed.config != null ? parsed.config : "the rule") + " is valid: " + rules.size()
                    + " rule(s)");
            return 0;
        }
        try {
            var outcomes = new Pruner(clock, out, parsed.dryRun).run(rules);
            int deleted = outcomes.stream().mapToInt(o -> o.deleted().size()).sum();
            out.println("prune: " + rules.size() + " rule(s), " + deleted + " index(es) "
                    + (parsed.dryRun ? "would be deleted (dry run)" : "deleted"));
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("prune: Elasticsearch error: " + describe(e));
            return 1;
        }
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
                text.append(": ").append(cause.getMessage());
            }
        }
        return text.toString();
    }

    private static final class Arguments {
        boolean help;
        boolean dryRun;
        boolean check;
        Path config;
        String hosts;
        String pattern;
        String dateFormat;
        String keep;
        String user;
        String password = System.getenv("PRUNE_PASSWORD");
        String apiKey;
        final List<Path> caFiles = new ArrayList<>();

        static Arguments parse(String[] args) {
            Arguments a = new Arguments();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "-h", "--help" -> a.help = true;
                    case "--dry-run" -> a.dryRun = true;
                    case "--check" -> a.check = true;
                    case "-c", "--config" -> a.config = Path.of(value(args, ++i, arg));
                    case "--hosts" -> a.hosts = value(args, ++i, arg);
                    case "--pattern" -> a.pattern = value(args, ++i, arg);
                    case "--date-format" -> a.dateFormat = value(args, ++i, arg);
                    case "--keep" -> a.keep = value(args, ++i, arg);
                    case "--user" -> a.user = value(args, ++i, arg);
                    case "--password" -> a.password = value(args, ++i, arg);
                    case "--api-key" -> a.apiKey = value(args, ++i, arg);
                    case "--ca-file" -> a.caFiles.add(Path.of(value(args, ++i, arg)));
                    default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
                }
            }
            if (a.help) {
                return a;
            }
            boolean flags = a.hosts != null || a.pattern != null || a.dateFormat != null || a.keep != null;
            if (a.config != null && flags) {
                throw new IllegalArgumentException("give either -c FILE or --hosts/--pattern/--date-format/--keep, not both");
            }
            if (a.config == null) {
                List<String> missing = new ArrayList<>();
                if (a.hosts == null) missing.add("--hosts");
                if (a.pattern == null) missing.add("--pattern");
                if (a.dateFormat == null) missing.add("--date-format");
                if (a.keep == null) missing.add("--keep");
                if (!missing.isEmpty()) {
                    throw new IllegalArgumentException(flags ? "missing " + String.join(", ", missing)
                            : "nothing to do: give -c FILE, or --hosts, --pattern, --date-format and --keep");
                }
            }
            return a;
        }

        RetentionRule rule() {
            ElasticsearchConnection connection = ElasticsearchConnection.of(List.of(hosts.split(",")),
                    user, user == null ? null : password, apiKey, caFiles);
            try {
                return new RetentionRule(pattern, pattern, dateFormat, Age.parse(keep), connection);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException((e.getMessage().startsWith("'") ? "--keep " : "") + e.getMessage(), e);
            }
        }

        private static String value(String[] args, int i, String flag) {
            if (i >= args.length || args[i].startsWith("--")) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            return args[i];
        }
    }
}
