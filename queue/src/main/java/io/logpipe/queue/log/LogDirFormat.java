package io.logpipe.queue.log;

import io.logpipe.common.io.AtomicFile;
import io.logpipe.common.io.FormatVersion;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The {@link FormatVersion} of everything in one log dir that is logpipe's own layout: the partition directories,
 * their segments ({@code .log}), offset and time indexes, {@code partition.metadata}, {@code topic.config}, producer
 * state snapshots and {@code producer-ids}. Kept in {@code log-format.properties}, a properties file with one key,
 * {@code version}; a log dir without it was written before the file existed and is version 1.
 *
 * <p>Each segment's {@code .txnindex} ({@link TransactionIndex}) and {@code .txnsnapshot}
 * ({@link TransactionSnapshot}) came later and carry their own versions; a version 1 dir without them is read as
 * is, the files being built from the segments' batch headers at the first start that misses them.
 *
 * <p>The records inside a segment are Kafka record batches and carry their own format, the batch's magic byte (2
 * here, as clients produce it); a new magic comes with a new Kafka protocol, not with this version. The offsets
 * store, ACLs and SCRAM credentials in the first log dir carry their own versions.
 */
public final class LogDirFormat {
    public static final String FILE_NAME = "log-format.properties";
    static final FormatVersion FORMAT = new FormatVersion("queue log dir", 1);

    private LogDirFormat() {
    }

    /**
     * Checks the version of {@code dir} (a newer one throws {@link FormatVersion.NewerFormatException} before
     * anything in the dir is touched), then records the current version if the dir has none yet.
     */
    public static void checkAndMark(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            Properties props = new Properties();
            props.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
            String version = props.getProperty("version");
            if (version == null) {
                throw new IOException(file + ": no 'version' key (expected version=" + FORMAT.current() + ")");
            }
            FORMAT.check(file, version);
            return;
        }
        AtomicFile.writeString(file, "# on-disk format of this log dir, written by logpipe queue\nversion="
                + FORMAT.current() + "\n");
    }
}
