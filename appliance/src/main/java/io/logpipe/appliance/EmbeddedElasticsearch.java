package io.logpipe.appliance;

import io.logpipe.common.log.RotatingLog;
import io.logpipe.common.elasticsearch.ElasticsearchProcess;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The appliance's own Elasticsearch: one node for one machine, from the 8.19 distribution Maven resolved (copied
 * into appliance/target/lib by the build), unpacked and kept under {@code DATA/elasticsearch}, bound to loopback,
 * security off (nothing but this host can reach it), heap {@code elasticsearch.heap} (default 1 GB). Its disk
 * watermarks stay on: the disk guard of the retention rules deletes old indices before the flood stage.
 */
final class EmbeddedElasticsearch implements Part {
    /** Set to the zip to use instead of the one beside the appliance's jar (tests: the one Maven resolved). */
    static final String ZIP_PROPERTY = "logpipe.es.zip";

    private final ApplianceConfig config;
    private final RotatingLog log;
    private volatile ElasticsearchProcess node;

    EmbeddedElasticsearch(ApplianceConfig config, RotatingLog log) {
        this.config = config;
        this.log = log;
    }

    @Override
    public String name() {
        return "elasticsearch";
    }

    Path nodeDir() {
        return config.dataDir().resolve("elasticsearch").resolve("node");
    }

    @Override
    public void start() throws Exception {
        Path zip = distributionZip();
        int port = config.elasticsearchPort();
        if (ChildPart.portOpen(port)) {
            throw new IllegalStateException("elasticsearch: port " + port + " is already in use (another Elasticsearch?);"
                    + " set elasticsearch.port in " + config.file() + ", or elasticsearch.hosts to use that one");
        }
        node = ElasticsearchProcess.builder(zip, config.dataDir().resolve("elasticsearch").resolve("dist"), nodeDir())
                .name("logpipe-appliance")
                .clusterName("logpipe")
                .ports(port, freeTransportPort(port))
                .heap(config.elasticsearchHeap())
                .log(message -> {
                    try {
                        log.line("[elasticsearch] " + message);
                    } catch (IOException ignored) {
                        // the log's disk is gone
                    }
                })
                .start();
    }

    /** 9300 beside 9200, as Elasticsearch does, unless the HTTP port was moved: then the next port up. */
    private static int freeTransportPort(int httpPort) {
        int candidate = httpPort == 9200 ? 9300 : httpPort + 1;
        while (ChildPart.portOpen(candidate)) {
            candidate++;
        }
        return candidate;
    }

    /** The distribution: -Dlogpipe.es.zip, else the zip the build copied beside the appliance's jar. */
    static Path distributionZip() throws IOException {
        String property = System.getProperty(ZIP_PROPERTY);
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        try {
            Path jar = Path.of(EmbeddedElasticsearch.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path lib = jar.getParent().resolve("lib");
            if (Files.isDirectory(lib)) {
                try (Stream<Path> files = Files.list(lib)) {
                    List<Path> zips = files.filter(f -> f.getFileName().toString().matches("elasticsearch-.*\\.zip"))
                            .toList();
                    if (!zips.isEmpty()) {
                        return zips.get(0);
                    }
                }
            }
            throw new IOException("the Elasticsearch distribution is missing from " + lib + "; rebuild the appliance"
                    + " (LOGPIPE_REBUILD=1 bin/appliance up), or set elasticsearch.hosts to use a cluster");
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate the appliance's jar", e);
        }
    }

    @Override
    public boolean isAlive() {
        return node != null && node.process().isPresent();
    }

    @Override
    public void stop(Duration bound) {
        if (node != null) {
            node.close();
        }
    }

    @Override
    public long pid() {
        return node == null ? -1 : node.process().map(ProcessHandle::pid).orElse(-1L);
    }

    String url() {
        return "http://127.0.0.1:" + config.elasticsearchPort();
    }

    @Override
    public Map<String, String> where() {
        Map<String, String> where = new LinkedHashMap<>();
        where.put("url", url());
        where.put("data", nodeDir().resolve("data").toString());
        where.put("log", nodeDir().resolve("logs").resolve("logpipe.log").toString());
        where.put("heap", config.elasticsearchHeap());
        return where;
    }

    @Override
    public String lastLines(int count) {
        Path file = nodeDir().resolve("logs").resolve("logpipe.log");
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
        } catch (IOException e) {
            return "(no log at " + file + ")";
        }
    }
}
