package io.logpipe.queue.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Java {@code .properties} file read with the line of each key kept, so that a wrong value can be reported as
 * {@code file:line}. Follows the {@link java.util.Properties} syntax: {@code #}/{@code !} comments, {@code =},
 * {@code :} or whitespace separators, backslash line continuations and escapes.
 *
 * <p>The file is read as UTF-8 (what editors write today, say a tutorial's server.properties with Chinese comments),
 * falling back to ISO-8859-1, the encoding {@link java.util.Properties#load(java.io.InputStream)} assumes and Kafka
 * reads with, only when the bytes are not valid UTF-8. ASCII files and backslash-u escapes read the same either way.
 */
public final class PropertiesFile {
    /** One key with its value and the 1-based line it starts on. */
    public record Entry(String key, String value, int line) {
    }

    private final String source;
    private final Map<String, Entry> entries;

    private PropertiesFile(String source, Map<String, Entry> entries) {
        this.source = source;
        this.entries = entries;
    }

    public static PropertiesFile read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            text = new String(bytes, StandardCharsets.ISO_8859_1);
        }
        return parse(file.toString(), text.lines().toList());
    }

    public static PropertiesFile parse(String source, List<String> lines) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int startLine = i + 1;
            String line = stripLeading(lines.get(i));
            if (line.isEmpty() || line.charAt(0) == '#' || line.charAt(0) == '!') {
                continue;
            }
            StringBuilder logical = new StringBuilder();
            while (endsWithContinuation(line) && i + 1 < lines.size()) {
                logical.append(line, 0, line.length() - 1);
                line = stripLeading(lines.get(++i));
            }
            logical.append(endsWithContinuation(line) ? line.substring(0, line.length() - 1) : line);
            Entry entry = split(logical.toString(), startLine);
            entries.put(entry.key(), entry);
        }
        return new PropertiesFile(source, entries);
    }

    public String source() {
        return source;
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    private static Entry split(String text, int line) {
        int i = 0;
        StringBuilder key = new StringBuilder();
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                i = unescape(text, i, key);
                continue;
            }
            if (c == '=' || c == ':' || Character.isWhitespace(c)) {
                break;
            }
            key.append(c);
            i++;
        }
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        if (i < text.length() && (text.charAt(i) == '=' || text.charAt(i) == ':')) {
            i++;
        }
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        StringBuilder value = new StringBuilder();
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                i = unescape(text, i, value);
            } else {
                value.append(c);
                i++;
            }
        }
        return new Entry(key.toString(), value.toString().strip(), line);
    }

    /** Appends the escape starting at {@code text[i] == '\\'} and returns the index after it. */
    private static int unescape(String text, int i, StringBuilder out) {
        char next = text.charAt(i + 1);
        switch (next) {
            case 't' -> out.append('\t');
            case 'n' -> out.append('\n');
            case 'r' -> out.append('\r');
            case 'f' -> out.append('\f');
            case 'u' -> {
                if (i + 6 <= text.length()) {
                    try {
                        out.append((char) Integer.parseInt(text.substring(i + 2, i + 6), 16));
                        return i + 6;
                    } catch (NumberFormatException e) {
                        out.append('u');
                    }
                } else {
                    out.append('u');
                }
            }
            default -> out.append(next);
        }
        return i + 2;
    }

    private static boolean endsWithContinuation(String line) {
        int backslashes = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    private static String stripLeading(String line) {
        return line.stripLeading();
    }
}
