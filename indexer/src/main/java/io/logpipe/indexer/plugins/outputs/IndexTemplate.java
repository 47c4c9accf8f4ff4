package io.logpipe.indexer.plugins.outputs;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import io.logpipe.indexer.event.EventJson;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The composable index template the elasticsearch output installs for its indices, as Logstash's
 * {@code manage_template} does, for the output's index pattern ({@code index} with every {@code %{...}} as
 * {@code *}), named {@code template_name}, left alone when it exists unless {@code template_overwrite}. The default
 * name is the pattern's fixed beginning ({@code logstash} for the default index, as in Logstash; {@code nginx.access}
 * for {@code nginx.access-%{+yyyy.MM.dd}}): Logstash's one default name for every output means the first output's
 * template is the only one, and the other pipelines' indices get none.
 *
 * <p>The default body is a log index's: strings as {@code keyword} (ignore_above 1024, as Filebeat maps them) with
 * {@code message} as {@code text} without norms, no text+keyword doubling (half the indexing work per string field of
 * Logstash's default); one shard, {@code auto_expand_replicas 0-1} (no replica a one-node cluster could never
 * allocate, so the index is green; one as soon as a second node joins) and no {@code refresh_interval}: Elasticsearch's
 * default of 1 s is what makes a line searchable about a second after it was written, the promise of the product
 * (Logstash's and Filebeat's templates set 5 s, trading that latency for bulk throughput; a {@code template} file can
 * do the same). Its priority, 200, is above Elasticsearch's built-in ones (100, {@code logs-*-*} among
 * them), so an index such as {@code logs-app-2024.07.01} is a plain index, not a data stream the index action cannot
 * write to.
 *
 * <p>A user's {@code template} file is a composable template ({@code index_patterns}, {@code template},
 * {@code priority}, ...) and is sent as it is, with the output's pattern when it names none; a legacy template
 * (top-level {@code settings}, {@code mappings}, {@code aliases}) is moved under {@code template} first.
 */
public final class IndexTemplate {
    static final int DEFAULT_PRIORITY = 200;

    private final String name;
    private final Map<String, Object> body;
    private final boolean overwrite;

    private IndexTemplate(String name, Map<String, Object> body, boolean overwrite) {
        this.name = name;
        this.body = body;
        this.overwrite = overwrite;
    }

    String name() {
        return name;
    }

    List<?> indexPatterns() {
        return (List<?>) body.get("index_patterns");
    }

    /**
     * The index pattern of an index setting: its text with each {@code %{...}} as {@code *}; null when nothing of
     * the name is fixed before the first {@code *} (such a pattern would also match indices that are not the output's).
     */
    static String patternOf(String index) {
        String pattern = index.replaceAll("%\\{[^}]*}", "*").replaceAll("\\*+", "*");
        return pattern.startsWith("*") ? null : pattern;
    }

    /** The default template name for {@code pattern}: what comes before its first {@code *}, less a trailing separator. */
    static String nameOf(String pattern) {
        int star = pattern.indexOf('*');
        String name = star < 0 ? pattern : pattern.substring(0, star);
        return name.replaceAll("[-_.]+$", "");
    }

    /** The default template for {@code pattern} (public for the indexer benchmark's anchor). */
    public static IndexTemplate standard(String name, String pattern, boolean overwrite) {
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("number_of_shards", 1);
        index.put("auto_expand_replicas", "0-1");
        Map<String, Object> mappings = new LinkedHashMap<>();
        mappings.put("dynamic_templates", List.of(
                Map.of("message_field", Map.of("path_match", "message", "match_mapping_type", "string",
                        "mapping", Map.of("type", "text", "norms", false))),
                Map.of("string_fields", Map.of("match", "*", "match_mapping_type", "string",
                        "mapping", Map.of("type", "keyword", "ignore_above", 1024)))));
        mappings.put("properties", Map.of(
                "@timestamp", Map.of("type", "date"),
                "@version", Map.of("type", "keyword"),
                "message", Map.of("type", "text", "norms", false)));
        Map<String, Object> template = new LinkedHashMap<>();
        template.put("settings", Map.of("index", index));
        template.put("mappings", mappings);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("index_patterns", List.of(pattern));
        body.put("priority", DEFAULT_PRIORITY);
        body.put("template", template);
        body.put("_meta", Map.of("managed_by", "logpipe indexer (manage_template)"));
        return new IndexTemplate(name, body, overwrite);
    }

    /**
     * The template in {@code file}; {@code pattern} (may be null) when the file names no index_patterns.
     *
     * @throws IllegalArgumentException saying what is wrong with the file
     */
    @SuppressWarnings("unchecked")
    static IndexTemplate fromFile(String name, Path file, String pattern, boolean overwrite) {
        Map<String, Object> body;
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (!(EventJson.parse(bytes, 0, bytes.length) instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException(file + " is not a JSON object (an index template)");
            }
            body = new LinkedHashMap<>((Map<String, Object>) map);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read index template " + file + ": " + e.getMessage());
        }
        if (!(body.get("template") instanceof Map<?, ?>)) {
            // legacy (_template) form: {"index_patterns" or "template": pattern, "settings", "mappings", "aliases"}
            Map<String, Object> template = new LinkedHashMap<>();
            for (String part : List.of("settings", "mappings", "aliases")) {
                if (body.containsKey(part)) {
                    template.put(part, body.remove(part));
                }
            }
            Object legacyPattern = body.remove("template");
            if (legacyPattern != null && !body.containsKey("index_patterns")) {
                body.put("index_patterns", legacyPattern instanceof List<?> ? legacyPattern : List.of(legacyPattern));
            }
            body.remove("order"); // composable templates have a priority instead
            body.put("template", template);
        }
        if (body.get("index_patterns") instanceof String one) {
            body.put("index_patterns", List.of(one));
        }
        if (!body.containsKey("index_patterns")) {
            if (pattern == null) {
                throw new IllegalArgumentException(file + " names no index_patterns and none can be derived from"
                        + " the index setting: add \"index_patterns\" to the file");
            }
            body.put("index_patterns", List.of(pattern));
        }
        return new IndexTemplate(name, body, overwrite);
    }

    /**
     * Puts the template unless one of that name exists and overwriting was not asked for (one request either way:
     * {@code create} then refuses it); true if it was put. Other exceptions are the client's: the caller tells what
     * to retry.
     */
    public boolean install(ElasticsearchClient client) throws IOException {
        String json = EventJson.toJson(body);
        try {
            client.indices().putIndexTemplate(r -> r.name(name).create(!overwrite).withJson(new StringReader(json)));
            return true;
        } catch (ElasticsearchException e) {
            if (!overwrite && e.status() == 400 && String.valueOf(e.getMessage()).contains("already exists")) {
                return false;
            }
            throw e;
        }
    }
}
