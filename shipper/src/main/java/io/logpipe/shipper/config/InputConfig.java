package io.logpipe.shipper.config;

import io.logpipe.shipper.event.InputFields;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One entry of {@code filebeat.inputs}. Durations of zero mean "off" (ignore_older, close_inactive).
 *
 * @param where   where the input starts in the file, for messages
 * @param maxBytes the longest line (or multiline event) shipped; longer ones are truncated and flagged
 */
public record InputConfig(int index, String where, String id, String type, List<String> paths,
                          List<Pattern> excludeFiles, List<Pattern> includeLines, List<Pattern> excludeLines,
                          InputFields event, Charset encoding, Duration ignoreOlder, Duration closeInactive,
                          boolean closeRenamed, boolean closeRemoved, boolean closeEof, boolean cleanRemoved,
                          Duration scanFrequency, boolean tailFiles, int bufferSize, int maxBytes, boolean symlinks,
                          MultilineConfig multiline) {

    public String describe() {
        return "input " + index + " (" + type + (id == null ? "" : ", id " + id) + ")";
    }
}
