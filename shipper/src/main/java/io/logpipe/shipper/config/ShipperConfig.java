package io.logpipe.shipper.config;

import io.logpipe.common.config.ConfigException;
import io.logpipe.shipper.event.FormatString;
import io.logpipe.shipper.event.InputFields;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The shipper's settings, read from a filebeat.yml (7.x dialect). Values are checked here, at start: a wrong value
 * fails with {@code file:line:column}; a key this shipper does not know, or knows but does not apply, is reported
 * once through the warning sink and otherwise ignored.
 */
public record ShipperConfig(Path file, String name, Path dataPath, String logLevel, boolean toStderr,
                            Duration registryFlush, Duration shutdownTimeout, int queueEvents,
                            List<InputConfig> inputs, OutputConfig output, LogFiles logFiles, Http http) {

    /**
     * filebeat.yml's {@code logging.to_files: true}: the log goes to {@code logging.files.path} (default
     * {@code path.logs}, else {@code logs}) / {@code logging.files.name} (default {@code shipper}), rotated at
     * {@code rotateeverybytes} (default 10 MB) with {@code keepfiles} (default 7) kept. Null: stderr.
     */
    public record LogFiles(Path file, long rotateEveryBytes, int keepFiles) {
    }

    /** filebeat.yml's {@code http.*}: the monitoring endpoint ({@code GET /}, {@code GET /stats}); off by default. */
    public record Http(boolean enabled, String host, int port) {
    }

    /** Keys accepted for compatibility that change nothing here; each is mentioned once. */
    private static final Map<String, String> WITHOUT_EFFECT = Map.ofEntries(
            Map.entry("processors", "processors are not supported; events are shipped unchanged"),
            Map.entry("setup", "setup.* applies to Elasticsearch/Kibana set-up, which the indexer does"),
            Map.entry("monitoring", "monitoring.* is not supported"),
            Map.entry("xpack", "xpack.* is not supported"),
            Map.entry("http.named_pipe", "the stats endpoint listens on TCP (http.host, http.port) only"),
            Map.entry("http.pprof", "the stats endpoint has no profiling handlers"),
            Map.entry("path.home", "path.home has no effect"),
            Map.entry("path.config", "path.config has no effect"),
            Map.entry("logging.files.permissions", "log files are written with the process's umask"),
            Map.entry("logging.files.interval", "log files rotate by size only"),
            Map.entry("logging.files.rotateonstartup", "log files rotate by size only"),
            Map.entry("logging.to_syslog", "logs go to stderr"),
            Map.entry("logging.selectors", "logging.selectors has no effect"),
            Map.entry("logging.metrics", "logging.metrics has no effect"),
            Map.entry("logging.json", "logging.json has no effect"),
            Map.entry("filebeat.config", "filebeat.config (external input files, modules) is not supported"),
            Map.entry("filebeat.modules", "filebeat modules are not supported; configure inputs directly"),
            Map.entry("filebeat.registry.path", "the registry lives under path.data"),
            Map.entry("filebeat.registry.file_permissions", "the registry is written with mode 0600"),
            Map.entry("queue.mem.flush", "events are sent as soon as the output is free"),
            Map.entry("max_procs", "max_procs has no effect"));

    private static final Map<String, String> INPUT_WITHOUT_EFFECT = Map.ofEntries(
            Map.entry("processors", "processors are not supported; events are shipped unchanged"),
            Map.entry("backoff", "the harvester polls on its own schedule"),
            Map.entry("max_backoff", "the harvester polls on its own schedule"),
            Map.entry("backoff_factor", "the harvester polls on its own schedule"),
            Map.entry("clean_inactive", "registry entries are removed with the file (clean_removed)"),
            Map.entry("close_timeout", "harvesters close on inactivity, rename or removal"),
            Map.entry("harvester_limit", "every matched file is harvested"),
            Map.entry("pipeline", "pipeline applies to the Elasticsearch output"),
            Map.entry("index", "index applies to the Elasticsearch output"),
            Map.entry("keep_null", "keep_null has no effect"),
            Map.entry("publisher_pipeline", "publisher_pipeline has no effect"),
            Map.entry("recursive_glob", "'**' is always expanded"),
            Map.entry("file_identity", "files are identified by device, inode and a fingerprint of the first bytes"),
            Map.entry("prospector.scanner.fingerprint", "files are identified by device, inode and a fingerprint"),
            Map.entry("close.reader", "close.reader has no effect"),
            Map.entry("document_type", "document_type was removed in filebeat 6"),
            Map.entry("input_type", "input_type is the old spelling of type"));

    private static final Set<String> OUTPUT_NAMES = Set.of("kafka", "console", "file", "elasticsearch", "logstash",
            "redis");

    /** The keystore's file name in path.data, as filebeat.keystore is Filebeat's. */
    public static final String KEYSTORE = "shipper.keystore";

    /** {@code path.data} (default {@code data}), relative to {@code $LOGPIPE_HOME} when that is set. */
    public static Path dataPath(Section root) {
        Path dataPath = Path.of(root.get("path.data", "data", Setting::string));
        String home = System.getenv("LOGPIPE_HOME");
        if (!dataPath.isAbsolute() && home != null && !home.isEmpty()) {
            dataPath = Path.of(home).resolve(dataPath); // like filebeat's path.home: not the caller's directory
        }
        return dataPath;
    }

    /** Filebeat's {@code keystore.path}, by default {@code path.data/shipper.keystore}. */
    public static Path keystorePath(Section root) {
        String path = root.get("keystore.path", null, Setting::string);
        return path != null ? Path.of(path) : dataPath(root).resolve(KEYSTORE);
    }

    /** Reads {@code section} (a parsed file plus any -E overrides); warnings go to {@code warn}, one line each. */
    public static ShipperConfig from(Path file, Section root, Consumer<String> warn) {
        String name = root.get("name", null, Setting::string);
        if (name == null || name.isBlank()) {
            name = HostName.get();
        }
        List<String> globalTags = root.get("tags", List.of(), Setting::strings);
        Map<String, Object> globalFields = root.group("fields");
        boolean globalUnderRoot = root.get("fields_under_root", false, Setting::bool);
        Path dataPath = dataPath(root);
        String home = System.getenv("LOGPIPE_HOME");
        keystorePath(root); // read by the command line before the rest, to look ${KEY}s up in it
        String level = root.get("logging.level", "info", Setting::string).toLowerCase(Locale.ROOT);
        Setting levelSetting = root.get("logging.level");
        if (!Set.of("debug", "info", "warning", "warn", "error", "critical").contains(level)) {
            throw levelSetting.invalid("'" + level + "' is not a log level; use debug, info, warning or error");
        }
        boolean toStderr = root.get("logging.to_stderr", false, Setting::bool);
        LogFiles logFiles = null;
        boolean toFiles = root.get("logging.to_files", false, Setting::bool);
        String logDir = root.get("logging.files.path", root.get("path.logs", "logs", Setting::string), Setting::string);
        String logName = root.get("logging.files.name", "shipper", Setting::string);
        long rotateEvery = root.get("logging.files.rotateeverybytes", 10L * 1024 * 1024, v -> v.bytes(1024, 1L << 40));
        int keepFiles = root.get("logging.files.keepfiles", 7, v -> v.integer(1, 1024));
        if (toFiles && !toStderr) {
            Path dir = Path.of(logDir);
            if (!dir.isAbsolute() && home != null && !home.isEmpty()) {
                dir = Path.of(home).resolve(dir);
            }
            logFiles = new LogFiles(dir.resolve(logName), rotateEvery, keepFiles);
        }
        Duration flush = root.get("filebeat.registry.flush", Duration.ofSeconds(1), Setting::duration);
        int queueEvents = root.get("queue.mem.events", 4096, s -> s.integer(1, 1 << 20));
        // How long a stop waits for queued events to be acknowledged; what is not is read again after a restart.
        Duration shutdownTimeout = root.get("filebeat.shutdown_timeout", Duration.ofSeconds(30), Setting::duration);

        List<InputConfig> inputs = new ArrayList<>();
        List<Section> sections = new ArrayList<>(root.sections("filebeat.inputs"));
        sections.addAll(root.sections("filebeat.prospectors"));
        if (root.get("filebeat.prospectors") != null) {
            warn.accept(root.get("filebeat.prospectors").where()
                    + ": filebeat.prospectors is the old name of filebeat.inputs; it is read the same way");
        }
        int index = 0;
        for (Section s : sections) {
            InputConfig input = input(index++, s, globalFields, globalUnderRoot, globalTags, warn);
            if (input != null) {
                inputs.add(input);
            }
        }

        Http http = new Http(root.get("http.enabled", false, Setting::bool),
                root.get("http.host", "localhost", Setting::string), root.get("http.port", 5066, v -> v.integer(0, 65535)));
        OutputConfig output = output(root, file == null ? null : file.toAbsolutePath().getParent(), warn);
        if (output instanceof OutputConfig.Kafka kafka) {
            checkTopicFields(kafka, inputs);
        }

        for (Map.Entry<String, String> e : WITHOUT_EFFECT.entrySet()) {
            for (Setting s : root.consume(e.getKey())) {
                warn.accept(s.where() + ": " + s.key() + " is ignored: " + e.getValue());
                break;
            }
        }
        for (Setting s : root.unread()) {
            warn.accept(s.where() + ": unknown setting " + s.key() + " is ignored");
        }
        return new ShipperConfig(file, name, dataPath, level, toStderr, flush, shutdownTimeout, queueEvents,
                List.copyOf(inputs), output, logFiles, http);
    }

    /** A topic naming {@code fields.x} that some input does not set would drop that input's events: fail now. */
    private static void checkTopicFields(OutputConfig.Kafka kafka, List<InputConfig> inputs) {
        for (String field : kafka.topic().requiredFields()) {
            if (!field.startsWith("fields.")) {
                continue;
            }
            String name = field.substring("fields.".length());
            for (InputConfig in : inputs) {
                boolean set = in.event().fields().containsKey(name.split("\\.")[0])
                        || in.event().rootFields().containsKey(name.split("\\.")[0]);
                if (!set) {
                    throw new ConfigException(kafka.topicWhere(), "output.kafka.topic '" + kafka.topic() + "' uses "
                            + field + ", which " + in.describe() + " at " + in.where() + " does not set; add "
                            + "fields: {" + name + ": ...} to that input or a default: %{[" + field + "]:logs}");
                }
            }
        }
    }

    private static InputConfig input(int index, Section s, Map<String, Object> globalFields, boolean globalUnderRoot,
                                     List<String> globalTags, Consumer<String> warn) {
        Setting typeSetting = s.first("type", "input_type");
        String type = typeSetting == null ? "log" : typeSetting.string();
        String where = typeSetting != null ? typeSetting.where() : s.label();
        boolean enabled = s.get("enabled", true, Setting::bool);
        if (!type.equals("log") && !type.equals("filestream")) {
            throw typeSetting.invalid("input type '" + type + "' is not supported; use log or filestream");
        }
        String id = s.get("id", null, Setting::string);
        Setting pathsSetting = s.get("paths");
        List<String> paths = pathsSetting == null ? List.of() : pathsSetting.strings();
        if (paths.isEmpty() && enabled) {
            throw new ConfigException(where, s.label() + ": an input needs 'paths' (a list of globs)");
        }
        for (String p : paths) {
            if (!Path.of(p).isAbsolute() && !p.startsWith("**")) {
                warn.accept(pathsSetting.where() + ": path '" + p + "' is relative; it is resolved against "
                        + Path.of("").toAbsolutePath());
            }
        }
        boolean filestream = type.equals("filestream");
        List<Pattern> excludeFiles = orEmpty(s.first("exclude_files", "prospector.scanner.exclude_files"));
        List<Pattern> includeLines = orEmpty(s.get("include_lines"));
        List<Pattern> excludeLines = orEmpty(s.get("exclude_lines"));

        Map<String, Object> inputFields = s.group("fields");
        boolean underRoot = s.get("fields_under_root", false, Setting::bool);
        Map<String, Object> fields = new LinkedHashMap<>();
        Map<String, Object> rootFields = new LinkedHashMap<>();
        (globalUnderRoot ? rootFields : fields).putAll(globalFields);
        (underRoot ? rootFields : fields).putAll(inputFields);
        List<String> tags = new ArrayList<>(s.get("tags", List.of(), Setting::strings));
        for (String t : globalTags) {
            if (!tags.contains(t)) {
                tags.add(t);
            }
        }

        Charset encoding = encoding(s.get("encoding"));
        InputFields.JsonDecoding json = json(s, filestream);

        Duration ignoreOlder = s.get("ignore_older", Duration.ZERO, Setting::duration);
        Duration closeInactive = s.get("close_inactive", Duration.ofMinutes(5), Setting::duration);
        Setting fsInactive = s.get("close.on_state_change.inactive");
        if (fsInactive != null) {
            closeInactive = fsInactive.duration();
        }
        boolean closeRenamed = s.get("close_renamed", false, Setting::bool);
        closeRenamed = s.get("close.on_state_change.renamed", closeRenamed, Setting::bool);
        boolean closeRemoved = s.get("close_removed", true, Setting::bool);
        closeRemoved = s.get("close.on_state_change.removed", closeRemoved, Setting::bool);
        boolean closeEof = s.get("close_eof", false, Setting::bool);
        closeEof = s.get("close.reader.on_eof", closeEof, Setting::bool);
        boolean cleanRemoved = s.get("clean_removed", true, Setting::bool);
        Setting scan = s.first("scan_frequency", "prospector.scanner.check_interval");
        Duration scanFrequency = scan == null ? Duration.ofSeconds(10) : scan.duration();
        if (scanFrequency.isZero() || scanFrequency.isNegative()) {
            throw scan.invalid("must be greater than 0");
        }
        if (!ignoreOlder.isZero() && !closeInactive.isZero() && closeInactive.compareTo(ignoreOlder) >= 0) {
            throw s.get("ignore_older").invalid("must be greater than close_inactive (" + closeInactive.toSeconds()
                    + "s), or files would be ignored while still open");
        }
        boolean tailFiles = s.get("tail_files", false, Setting::bool);
        Setting buffer = s.first("harvester_buffer_size", "buffer_size");
        int bufferSize = buffer == null ? 16384 : (int) buffer.bytes(64, 64L << 20);
        Setting maxBytesSetting = s.first("max_bytes", "message_max_bytes");
        int maxBytes = maxBytesSetting == null ? 10 << 20 : (int) maxBytesSetting.bytes(1, 1L << 30);
        Setting symlinksSetting = s.first("symlinks", "prospector.scanner.symlinks");
        boolean symlinks = symlinksSetting == null || symlinksSetting.bool();

        MultilineConfig multiline = null;
        if (s.hasGroup("multiline")) {
            multiline = multiline(s.subkeys("multiline"), s, "multiline", maxBytes);
        }
        for (Section parser : s.sections("parsers")) {
            if (parser.hasGroup("multiline")) {
                multiline = multiline(parser.subkeys("multiline"), parser, "multiline", maxBytes);
            } else if (parser.hasGroup("ndjson")) {
                json = ndjson(parser);
            }
            for (Setting u : parser.unread()) {
                if (!u.key().contains(".multiline.") && !u.key().contains(".ndjson.")) {
                    warn.accept(u.where() + ": parser " + u.key() + " is not supported and is ignored");
                }
            }
        }
        for (Map.Entry<String, String> e : INPUT_WITHOUT_EFFECT.entrySet()) {
            for (Setting u : s.consume(e.getKey())) {
                warn.accept(u.where() + ": " + u.key() + " is ignored: " + e.getValue());
                break;
            }
        }
        for (Setting u : s.unread()) {
            warn.accept(u.where() + ": unknown input setting " + u.key() + " is ignored");
        }
        if (!enabled) {
            return null;
        }
        InputFields event = new InputFields(type, fields.isEmpty() ? Map.of() : fields,
                rootFields.isEmpty() ? Map.of() : rootFields, List.copyOf(tags), json);
        return new InputConfig(index, where, id, type, List.copyOf(paths), excludeFiles, includeLines, excludeLines,
                event, encoding, ignoreOlder, closeInactive, closeRenamed, closeRemoved, closeEof, cleanRemoved,
                scanFrequency, tailFiles, bufferSize, maxBytes, symlinks, multiline);
    }

    private static List<Pattern> orEmpty(Setting s) {
        return s == null ? List.of() : List.copyOf(s.regexes());
    }

    private static Charset encoding(Setting s) {
        if (s == null) {
            return StandardCharsets.UTF_8;
        }
        String name = s.string().toLowerCase(Locale.ROOT);
        String javaName = switch (name) {
            case "plain", "utf-8", "utf8" -> "UTF-8";
            case "latin1" -> "ISO-8859-1";
            case "utf-16be-bom" -> "UTF-16";
            case "utf-16le", "utf-16be", "ascii", "us-ascii" -> name;
            default -> name;
        };
        try {
            Charset cs = Charset.forName(javaName);
            if (!cs.name().startsWith("UTF-16") && !"\n".equals(new String(new byte[] {'\n'}, cs))) {
                throw s.invalid("encoding '" + name + "' is not supported (lines are split at the byte 0x0A)");
            }
            return cs;
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw s.invalid("'" + name + "' is not a known encoding; examples: plain, utf-8, latin1, utf-16le, "
                    + "windows-1252, shift_jis, gbk");
        }
    }

    private static InputFields.JsonDecoding json(Section s, boolean filestream) {
        if (!s.hasGroup("json")) {
            return null;
        }
        return new InputFields.JsonDecoding(
                s.get("json.keys_under_root", false, Setting::bool),
                s.get("json.overwrite_keys", false, Setting::bool),
                s.get("json.add_error_key", false, Setting::bool),
                s.get("json.message_key", null, Setting::string),
                s.get("json.ignore_decoding_error", false, Setting::bool),
                s.get("json.expand_keys", false, Setting::bool));
    }

    private static InputFields.JsonDecoding ndjson(Section p) {
        String target = p.get("ndjson.target", null, Setting::string);
        return new InputFields.JsonDecoding(
                target == null || target.isEmpty(),
                p.get("ndjson.overwrite_keys", false, Setting::bool),
                p.get("ndjson.add_error_key", false, Setting::bool),
                p.get("ndjson.message_key", null, Setting::string),
                p.get("ndjson.ignore_decoding_error", false, Setting::bool),
                p.get("ndjson.expand_keys", false, Setting::bool));
    }

    private static MultilineConfig multiline(Map<String, Setting> m, Section owner, String prefix, int maxBytes) {
        for (String k : m.keySet()) {
            owner.get(prefix + "." + k);
        }
        Setting typeSetting = m.get("type");
        String typeName = typeSetting == null ? "pattern" : typeSetting.string();
        MultilineConfig.Type type = switch (typeName) {
            case "pattern" -> MultilineConfig.Type.PATTERN;
            case "count" -> MultilineConfig.Type.COUNT;
            case "while_pattern" -> MultilineConfig.Type.WHILE_PATTERN;
            default -> throw typeSetting.invalid("'" + typeName + "' is not a multiline type; use pattern, count "
                    + "or while_pattern");
        };
        Pattern pattern = null;
        if (type != MultilineConfig.Type.COUNT) {
            Setting p = m.get("pattern");
            if (p == null) {
                Setting anchor = typeSetting != null ? typeSetting : m.values().iterator().next();
                throw new ConfigException(anchor.where(), owner.label() + "." + prefix
                        + ": multiline.pattern is required for type " + typeName);
            }
            pattern = p.regex();
        }
        boolean negate = m.containsKey("negate") && m.get("negate").bool();
        MultilineConfig.Match match = MultilineConfig.Match.AFTER;
        Setting matchSetting = m.get("match");
        if (type == MultilineConfig.Type.PATTERN) {
            if (matchSetting == null) {
                throw new ConfigException(m.get("pattern").where(), owner.label() + "." + prefix
                        + ": multiline.match is required (after or before)");
            }
            String mv = matchSetting.string();
            match = switch (mv == null ? "" : mv) {
                case "after" -> MultilineConfig.Match.AFTER;
                case "before" -> MultilineConfig.Match.BEFORE;
                default -> throw matchSetting.invalid("'" + mv + "' is not a match mode; use after or before");
            };
        }
        int maxLines = m.containsKey("max_lines") ? m.get("max_lines").integer(1, 1_000_000)
                : MultilineConfig.DEFAULT_MAX_LINES;
        Duration timeout = m.containsKey("timeout") ? m.get("timeout").duration() : MultilineConfig.DEFAULT_TIMEOUT;
        Pattern flush = m.containsKey("flush_pattern") ? m.get("flush_pattern").regex() : null;
        int countLines = 0;
        if (type == MultilineConfig.Type.COUNT) {
            Setting c = m.get("count_lines");
            if (c == null) {
                throw new ConfigException(typeSetting.where(), owner.label() + "." + prefix
                        + ": multiline.count_lines is required for type count");
            }
            countLines = c.integer(1, 1_000_000);
        }
        for (String k : m.keySet()) {
            if (!Set.of("type", "pattern", "negate", "match", "max_lines", "timeout", "flush_pattern", "count_lines",
                    "skip_newline").contains(k)) {
                throw m.get(k).invalid("unknown multiline setting '" + k + "'; known: type, pattern, negate, match, "
                        + "max_lines, timeout, flush_pattern, count_lines");
            }
        }
        return new MultilineConfig(type, pattern, negate, match, maxLines, timeout, flush, countLines, maxBytes);
    }

    private static OutputConfig output(Section root, Path configDir, Consumer<String> warn) {
        List<String> enabled = new ArrayList<>();
        for (String name : OUTPUT_NAMES) {
            if (root.has("output." + name)) {
                root.get("output." + name);
                boolean on = root.get("output." + name + ".enabled", true, Setting::bool);
                if (on) {
                    enabled.add(name);
                } else {
                    root.consume("output." + name);
                }
            }
        }
        if (enabled.isEmpty()) {
            throw new ConfigException(root.label().isEmpty() ? "configuration" : root.label(),
                    "no output configured; set output.kafka.hosts (or output.console / output.file for debugging)");
        }
        if (enabled.size() > 1) {
            enabled.sort(String::compareTo);
            throw new ConfigException(whereOf(root, "output." + enabled.get(1)), "only one output may be enabled, "
                    + "found output." + String.join(" and output.", enabled));
        }
        String name = enabled.get(0);
        switch (name) {
            case "kafka":
                return kafka(root, configDir, warn);
            case "console":
                return new OutputConfig.Console(root.get("output.console.pretty", false, Setting::bool));
            case "file": {
                Setting path = root.get("output.file.path");
                if (path == null) {
                    throw new ConfigException(whereOf(root, "output.file"), "output.file needs 'path' (a directory)");
                }
                String filename = root.get("output.file.filename", "filebeat", Setting::string);
                root.consume("output.file.rotate_every_kb");
                root.consume("output.file.number_of_files");
                root.consume("output.file.permissions");
                root.consume("output.file.codec");
                return new OutputConfig.File(Path.of(path.string()), filename);
            }
            default:
                throw new ConfigException(whereOf(root, "output." + name), "output." + name
                        + " is not supported by this shipper; use output.kafka (the indexer reads from Kafka)");
        }
    }

    private static String whereOf(Section root, String prefix) {
        Setting s = root.get(prefix);
        if (s != null) {
            return s.where();
        }
        for (Map.Entry<String, Setting> e : root.subkeys(prefix).entrySet()) {
            return e.getValue().where();
        }
        return prefix;
    }

    private static OutputConfig.Kafka kafka(Section root, Path configDir, Consumer<String> warn) {
        String p = "output.kafka.";
        Setting hostsSetting = root.get(p + "hosts");
        if (hostsSetting == null) {
            throw new ConfigException(whereOf(root, "output.kafka"), "output.kafka.hosts is required, e.g. "
                    + "hosts: [\"127.0.0.1:9092\"]");
        }
        List<String> hosts = hostsSetting.strings();
        if (hosts.isEmpty()) {
            throw hostsSetting.invalid("needs at least one host:port");
        }
        for (String h : hosts) {
            int colon = h.lastIndexOf(':');
            if (colon <= 0 || !h.substring(colon + 1).matches("\\d{1,5}")) {
                throw hostsSetting.invalid("'" + h + "' is not host:port");
            }
        }
        Setting topicSetting = root.get(p + "topic");
        if (topicSetting == null) {
            if (root.get(p + "topics") != null) {
                throw root.get(p + "topics").invalid("output.kafka.topics (conditional topics) is not supported; "
                        + "use topic with a format string such as '%{[fields.log_topic]}'");
            }
            throw new ConfigException(hostsSetting.where(), "output.kafka.topic is required");
        }
        FormatString topic = format(topicSetting);
        Setting keySetting = root.get(p + "key");
        FormatString key = keySetting == null ? null : format(keySetting);

        OutputConfig.Partitioning partitioning = new OutputConfig.Partitioning("hash", List.of());
        int strategies = 0;
        for (String strategy : List.of("random", "round_robin", "hash")) {
            if (root.has(p + "partition." + strategy)) {
                strategies++;
                List<String> hashFields = List.of();
                if (strategy.equals("hash")) {
                    Setting hf = root.get(p + "partition.hash.hash");
                    hashFields = hf == null ? List.of() : hf.strings();
                    root.get(p + "partition.hash.random");
                }
                for (Setting opt : root.consume(p + "partition." + strategy)) {
                    boolean harmless = opt.key().endsWith(".hash.hash") || opt.key().endsWith(".hash.random")
                            || opt.key().endsWith("." + strategy)
                            // the Kafka client always spreads over all partitions, which is reachable_only: false
                            || opt.key().endsWith(".reachable_only") && !opt.bool();
                    if (!harmless) {
                        warn.accept(opt.where() + ": " + opt.key() + " is ignored (the Kafka client decides which "
                                + "partitions are reachable and how events are grouped)");
                    }
                }
                partitioning = new OutputConfig.Partitioning(strategy, hashFields);
            }
        }
        if (strategies > 1) {
            throw new ConfigException(whereOf(root, p + "partition"), "choose one of partition.random, "
                    + "partition.round_robin, partition.hash");
        }
        int acks = root.get(p + "required_acks", 1, s -> {
            int v = s.integer(-1, 1);
            return v;
        });
        String compression = root.get(p + "compression", "gzip", Setting::string).toLowerCase(Locale.ROOT);
        if (!Set.of("none", "gzip", "snappy", "lz4", "zstd").contains(compression)) {
            throw root.get(p + "compression").invalid("'" + compression + "' is not a codec; use none, gzip, snappy, "
                    + "lz4 or zstd");
        }
        int compressionLevel = root.get(p + "compression_level", 4, s -> s.integer(-1, 22));
        int maxMessageBytes = root.get(p + "max_message_bytes", 1_000_000, s -> s.integer(1024, 1 << 30));
        int bulkMaxSize = root.get(p + "bulk_max_size", 2048, s -> s.integer(1, 1 << 20));
        String clientId = root.get(p + "client_id", "beats", Setting::string);
        Duration timeout = root.get(p + "timeout", Duration.ofSeconds(30), Setting::duration);
        Duration brokerTimeout = root.get(p + "broker_timeout", Duration.ofSeconds(10), Setting::duration);
        Duration backoffInit = root.get(p + "backoff.init", Duration.ofSeconds(1), Setting::duration);
        Duration backoffMax = root.get(p + "backoff.max", Duration.ofSeconds(60), Setting::duration);
        for (String ignored : List.of("version", "max_retries", "keep_alive", "codec", "metadata", "channel_buffer_size",
                "worker", "bulk_flush_frequency", "kerberos", "headers")) {
            for (Setting s : root.consume(p + ignored)) {
                String why = switch (ignored) {
                    case "max_retries" -> "events are retried until the brokers acknowledge them";
                    case "codec" -> "events are always JSON";
                    case "kerberos" -> "Kerberos (GSSAPI) is not supported; use sasl.mechanism SCRAM-SHA-512 "
                            + "or PLAIN with username and password";
                    default -> "the Kafka client negotiates this itself";
                };
                warn.accept(s.where() + ": " + s.key() + " is ignored: " + why);
                break;
            }
        }
        return new OutputConfig.Kafka(List.copyOf(hosts), topic, topicSetting.where(), key, partitioning, acks,
                compression, compressionLevel, maxMessageBytes, bulkMaxSize, clientId, timeout, brokerTimeout,
                backoffInit, backoffMax, KafkaSecurity.read(root, p, configDir, warn));
    }

    private static FormatString format(Setting s) {
        String v = s.string();
        if (v == null || v.isEmpty()) {
            throw s.invalid("must not be empty");
        }
        try {
            return FormatString.parse(v);
        } catch (IllegalArgumentException e) {
            throw s.invalid("'" + v + "': " + e.getMessage());
        }
    }
}
