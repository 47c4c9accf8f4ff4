package io.logpipe.indexer.plugins.outputs;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.util.BinaryData;
import io.logpipe.indexer.es.ElasticsearchConnection;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.FieldReference;
import io.logpipe.indexer.event.EventJson;
import io.logpipe.indexer.event.Sprintf;
import io.logpipe.indexer.dlq.DeadLetterQueue;
import io.logpipe.indexer.plugins.Output;
import io.logpipe.indexer.plugins.PluginContext;
import io.logpipe.indexer.plugins.PluginSettings;
import io.logpipe.indexer.plugins.PluginStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logstash's elasticsearch output: bulk requests through elasticsearch-java to {@code hosts} (failover),
 * {@code index} sprintf'd per event (date-suffixed by default). Connection errors, 429 and 5xx are retried with
 * exponential backoff until they succeed; items that can never succeed (400/404: mapping conflicts) go to the
 * dead-letter queue. The document id: {@code document_id} when set; else the event's {@code [@metadata][_id]}, as
 * Beats' own Elasticsearch output does (the shipper gives every line one that is the same when the line is read
 * again, so a line the shipper sends twice is one document); else, for an event read from Kafka,
 * {@code topic-partition-offset}, so a replay after a crash overwrites the same documents.
 *
 * <p>With {@code manage_template} (the default) the output's {@link IndexTemplate} is installed once: tried when the
 * pipeline starts, and in any case before the first document is sent, with the bulk requests' retries while
 * Elasticsearch cannot be reached. Elasticsearch refusing it (a bad template file, a user without the
 * manage_index_templates privilege) is logged and indexing goes on, as in Logstash.
 */
public final class ElasticsearchOutput implements Output {
    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchOutput.class);
    private static final FieldReference METADATA_ID = FieldReference.of("[@metadata][_id]");
    /** Logstash's cap on one bulk request's body; bigger batches are split. */
    static final long MAX_BULK_BYTES = 20L * 1024 * 1024;
    private static final List<String> NOT_APPLICABLE = List.of("ilm_enabled", "ilm_rollover_alias", "ilm_pattern",
            "ilm_policy", "sniffing", "sniffing_delay", "pool_max", "pool_max_per_route", "validate_after_inactivity",
            "http_compression", "ecs_compatibility", "data_stream", "ssl_verification_mode", "resurrect_delay",
            "healthcheck_path");

    private static final String BULK_RESPONSE_FIELDS = "took,errors,items.*._index,items.*.status,items.*.error";
    private final ElasticsearchClient client;
    private final Sprintf index;
    private final Sprintf documentId;
    private final String action;
    private final String ingestPipeline;
    private final long initialBackoffMillis;
    private final long maxBackoffMillis;
    private final String id;
    private final PluginStats stats;
    private final DeadLetterQueue deadLetterQueue;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    /** The client without the bulk responses' filter_path, for the template calls. */
    private final ElasticsearchClient unfiltered;
    private final IndexTemplate template;
    private final ReentrantLock templateLock = new ReentrantLock();
    private volatile boolean templateDone;
    private volatile boolean closed;

    public ElasticsearchOutput(PluginSettings settings, PluginContext context) {
        this.stats = context.stats();
        this.id = stats.id();
        List<String> hosts = settings.strings("hosts", List.of("http://127.0.0.1:9200"));
        String user = settings.string("user", null);
        String password = settings.string("password", null);
        String apiKey = settings.string("api_key", null);
        List<Path> cas = new ArrayList<>();
        settings.strings("ssl_certificate_authorities").forEach(ca -> cas.add(Path.of(ca)));
        settings.strings("cacert").forEach(ca -> cas.add(Path.of(ca)));
        // Logstash 8 calls it ssl_enabled; Logstash 7 called it ssl.
        boolean oldSslName = settings.has("ssl");
        String sslKey = settings.has("ssl_enabled") || !oldSslName ? "ssl_enabled" : "ssl";
        Boolean sslEnabled = settings.has(sslKey) ? settings.bool(sslKey, false) : null;
        ElasticsearchConnection connection;
        try {
            connection = ElasticsearchConnection.of(hosts, user, password, apiKey, cas, sslEnabled);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            throw settings.error(message.startsWith("ssl_enabled") && settings.has(sslKey) ? sslKey
                    : message.startsWith("ssl_certificate_authorities") && settings.has("cacert") ? "cacert"
                    : "hosts", message);
        }
        this.index = Sprintf.compile(settings.string("index", "logstash-%{+yyyy.MM.dd}"));
        String documentIdTemplate = settings.string("document_id", null);
        this.documentId = documentIdTemplate == null ? null : Sprintf.compile(documentIdTemplate);
        this.action = settings.oneOf("action", "index", "index", "create");
        this.ingestPipeline = settings.string("pipeline", null);
        this.initialBackoffMillis = (long) (settings.decimal("retry_initial_interval", 2) * 1000);
        this.maxBackoffMillis = (long) (settings.decimal("retry_max_interval", 64) * 1000);
        settings.number("timeout", 60);
        this.template = template(settings);
        this.templateDone = template == null;
        for (String key : NOT_APPLICABLE) {
            if (settings.has(key)) {
                LOG.warn("{}: elasticsearch output setting '{}' does not apply to logpipe and is ignored",
                        settings.location(key), key);
            }
        }
        this.deadLetterQueue = context.deadLetterQueue();
        // Like Logstash's output, ask only for what is read back of each item: Elasticsearch then serializes, and
        // this client parses, a fraction of the bulk response (took and _index stay: the typed response needs them).
        this.unfiltered = connection.openClient();
        this.client = unfiltered.withTransportOptions(o -> o.setParameter("filter_path", BULK_RESPONSE_FIELDS));
        LOG.info("elasticsearch output {}: {} index {}", id, connection.describe(), index);
    }

    /** The template manage_template asks for, or null; a template file that is not one fails here, at start. */
    private static IndexTemplate template(PluginSettings settings) {
        boolean manage = settings.bool("manage_template", true);
        String pattern = IndexTemplate.patternOf(settings.string("index", "logstash-%{+yyyy.MM.dd}"));
        String name = settings.string("template_name", pattern == null ? "logstash" : IndexTemplate.nameOf(pattern));
        boolean overwrite = settings.bool("template_overwrite", false);
        String file = settings.string("template", null);
        if (settings.oneOf("template_api", "auto", "auto", "composable", "legacy").equals("legacy")) {
            LOG.warn("{}: template_api => legacy: logpipe installs composable index templates (_index_template)",
                    settings.location("template_api"));
        }
        if (!manage) {
            return null;
        }
        if (file != null) {
            try {
                return IndexTemplate.fromFile(name, Path.of(file), pattern, overwrite);
            } catch (IllegalArgumentException e) {
                throw settings.error("template", e.getMessage());
            }
        }
        if (pattern == null) {
            LOG.warn("{}: no index template installed: the index name begins with a %{{...}} reference, so no"
                    + " pattern matches only this output's indices; give one in a template file (template =>)"
                    + " or set manage_template => false", settings.location());
            return null;
        }
        return IndexTemplate.standard(name, pattern, overwrite);
    }

    /** Tries to install the index template now, off the caller's thread; the first write waits for it anyway. */
    @Override
    public void start() {
        if (templateDone) {
            return;
        }
        Thread installer = new Thread(() -> {
            try {
                installTemplate();
            } catch (Exception e) {
                LOG.debug("elasticsearch output {}: index template not installed yet ({}); the first write retries",
                        id, describe(e));
            }
        }, "elasticsearch-template-" + id);
        installer.setDaemon(true);
        installer.start();
    }

    /**
     * Installs the template once (see the class); exceptions other than Elasticsearch refusing it are the caller's
     * to retry.
     */
    private void installTemplate() throws Exception {
        if (templateDone) {
            return;
        }
        templateLock.lockInterruptibly();
        try {
            if (templateDone) {
                return;
            }
            try {
                if (template.install(unfiltered)) {
                    LOG.info("elasticsearch output {}: installed index template {} for {}", id, template.name(),
                            template.indexPatterns());
                } else {
                    LOG.info("elasticsearch output {}: index template {} exists, left as it is"
                            + " (template_overwrite => true replaces it)", id, template.name());
                }
            } catch (ElasticsearchException e) {
                int status = e.status();
                if (status < 400 || status >= 500 || status == 401 || status == 408 || status == 429) {
                    throw e; // not a refusal of the template: retried with the documents
                }
                LOG.error("elasticsearch output {}: Elasticsearch refused index template {} ({}); indexing without it",
                        id, template.name(), e.getMessage());
            }
            templateDone = true;
        } finally {
            templateLock.unlock();
        }
    }

    /** The pipeline's dead-letter queue, where this output puts what Elasticsearch can never accept. */
    public DeadLetterQueue deadLetterQueue() {
        return deadLetterQueue;
    }

    public long documentsWritten() {
        return written.get();
    }

    /** Documents sent again after a failed request or a retryable item status. */
    public long retries() {
        return stats.retries();
    }

    /** Why the last documents were retried or dead-lettered, or null if every document was written first time. */
    public String lastFailure() {
        return stats.lastFailure();
    }

    private static boolean causedByInterrupt(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    /** A failed request in words that point at the setting to fix when it is ours to fix. */
    static String describe(Exception e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SSLException) {
                Throwable root = cause;
                while (root.getCause() != null) {
                    root = root.getCause();
                }
                return "TLS handshake with Elasticsearch failed (does ssl_certificate_authorities/cacert hold the CA"
                        + " that signed the node's certificate, and does the certificate name the host?): "
                        + root.getClass().getSimpleName() + ": " + root.getMessage();
            }
        }
        if (e instanceof ElasticsearchException es && es.status() == 401) {
            return "Elasticsearch rejected the credentials (check user/password or api_key): " + es.getMessage();
        }
        if (e instanceof ElasticsearchException es && es.status() == 403) {
            return "Elasticsearch denied the bulk request (the user or API key needs the index or create_doc"
                    + " privilege on the index): " + es.getMessage();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** A document to write, with what its bulk action needs. */
    private record Pending(Event event, String index, String id, byte[] json) {
    }

    @Override
    public void write(List<Event> events) throws InterruptedException {
        List<Pending> pending = new ArrayList<>(events.size());
        for (Event event : events) {
            pending.add(new Pending(event, index.apply(event), documentId(event), EventJson.toJsonBytes(event)));
        }
        int from = 0;
        while (from < pending.size()) {
            long bytes = 0;
            int to = from;
            while (to < pending.size() && (to == from || bytes + pending.get(to).json.length < MAX_BULK_BYTES)) {
                bytes += pending.get(to).json.length;
                to++;
            }
            deliver(pending.subList(from, to));
            from = to;
        }
    }

    /** See the class: the pipeline's document_id, else the event's own id, else where it was read from. */
    String documentId(Event event) {
        if (documentId != null) {
            return documentId.apply(event);
        }
        if (event.get(METADATA_ID) instanceof String own && !own.isEmpty()) {
            return own;
        }
        return event.source() != null ? event.source().documentId() : null;
    }

    /** Sends until every document is written or dead-lettered; only an interrupt (shutdown) ends it early. */
    private void deliver(List<Pending> documents) throws InterruptedException {
        List<Pending> remaining = documents;
        long backoff = initialBackoffMillis;
        while (true) {
            List<Pending> retry = new ArrayList<>();
            List<DeadLetterQueue.Entry> dead = new ArrayList<>();
            String failure = null;
            try {
                installTemplate();
                BulkResponse response = client.bulk(bulk(remaining));
                List<BulkResponseItem> items = response.items();
                if (items.size() != remaining.size()) {
                    // Without one answer per document we cannot tell which were written: send them all again.
                    throw new IllegalStateException("bulk response has " + items.size() + " items for "
                            + remaining.size() + " documents");
                }
                for (int i = 0; i < items.size(); i++) {
                    BulkResponseItem item = items.get(i);
                    Pending document = remaining.get(i);
                    int status = item.status();
                    if (status >= 200 && status < 300) {
                        written.incrementAndGet();
                    } else if (status == 409 && action.equals("create")) {
                        // Already written before a crash and now replayed: the document is there.
                        duplicates.incrementAndGet();
                    } else if (status == 400 || status == 404) {
                        String reason = item.error() == null ? "status " + status
                                : item.error().type() + ": " + item.error().reason();
                        dead.add(new DeadLetterQueue.Entry(document.event(), document.index(), document.id(), status, reason));
                    } else {
                        retry.add(document);
                        if (failure == null) {
                            failure = "status " + status + (item.error() == null ? "" : " " + item.error().type()
                                    + ": " + item.error().reason());
                        }
                    }
                }
            } catch (Exception e) {
                if (Thread.currentThread().isInterrupted() || causedByInterrupt(e) || closed) {
                    throw new InterruptedException("interrupted while sending to Elasticsearch");
                }
                retry = remaining;
                failure = describe(e);
            }
            if (!dead.isEmpty()) {
                deadLetterQueue.write("elasticsearch", id, dead);
                stats.failed(dead.size(), dead.get(0).reason());
                LOG.warn("elasticsearch output {}: {} event(s) could not be indexed and went to the dead-letter queue"
                        + " {} (first: {})", id, dead.size(), deadLetterQueue.file(), dead.get(0).reason());
            }
            if (retry.isEmpty()) {
                return;
            }
            stats.retried(retry.size(), failure);
            LOG.warn("elasticsearch output {}: {} of {} document(s) not written ({}); retrying in {} ms", id,
                    retry.size(), remaining.size(), failure, backoff);
            Thread.sleep(backoff);
            if (closed) {
                // Closed while waiting: the documents stay unacknowledged and are read again after a restart.
                throw new InterruptedException("elasticsearch output " + id + " closed while retrying");
            }
            backoff = Math.min(backoff * 2, maxBackoffMillis);
            remaining = retry;
        }
    }

    private BulkRequest bulk(List<Pending> documents) {
        BulkRequest.Builder bulk = new BulkRequest.Builder();
        if (ingestPipeline != null) {
            bulk.pipeline(ingestPipeline);
        }
        List<BulkOperation> operations = new ArrayList<>(documents.size());
        for (Pending document : documents) {
            BinaryData body = BinaryData.of(document.json(), "application/json");
            if (action.equals("create")) {
                operations.add(BulkOperation.of(op -> op.create(c -> {
                    c.index(document.index()).document(body);
                    if (document.id() != null) {
                        c.id(document.id());
                    }
                    return c;
                })));
            } else {
                operations.add(BulkOperation.of(op -> op.index(c -> {
                    c.index(document.index()).document(body);
                    if (document.id() != null) {
                        c.id(document.id());
                    }
                    return c;
                })));
            }
        }
        return bulk.operations(operations).build();
    }

    @Override
    public void close() {
        closed = true;
        try {
            client._transport().close();
        } catch (Exception e) {
            LOG.debug("closing the Elasticsearch client", e);
        }
    }
}
