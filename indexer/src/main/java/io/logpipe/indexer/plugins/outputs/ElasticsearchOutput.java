package io.logpipe.indexer.plugins.outputs;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import io.logpipe.indexer.es.ElasticsearchConnection;
import io.logpipe.indexer.event.Event;
import io.logpipe.indexer.event.FieldReference;
import io.logpipe.indexer.event.Sprintf;
import io.logpipe.indexer.dlq.DeadLetterQueue;
import io.logpipe.indexer.plugins.Output;
import io.logpipe.indexer.plugins.PluginContext;
import io.logpipe.indexer.plugins.PluginSettings;
import io.logpipe.indexer.plugins.PluginStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLException;
import org.apache.http.HttpEntity;
import org.apache.http.entity.ContentType;
import org.apache.http.nio.entity.NByteArrayEntity;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logstash's elasticsearch output: bulk requests to {@code hosts} (failover), their NDJSON bodies written by this
 * output ({@link BulkBody}: the events' JSON bytes as they came where nothing changed them) and sent through the
 * low-level REST client under elasticsearch-java, the response read back for each item's status ({@link BulkResult}),
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

    private static final ContentType NDJSON = ContentType.create("application/x-ndjson");
    /** Sends the bulk requests: the REST client underneath the typed one, which adds nothing a bulk needs. */
    private final RestClient restClient;
    /** Bulk bodies kept for the next write, so that a worker's buffer is not allocated anew for every batch. */
    private final Queue<BulkBody> bodies = new ConcurrentLinkedQueue<>();
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
    /** The typed client, for the template calls. */
    private final ElasticsearchClient typedClient;
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
        this.typedClient = connection.openClient();
        this.restClient = ((RestClientTransport) typedClient._transport()).restClient();
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
                if (template.install(typedClient)) {
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
        if (e instanceof BulkRequestRefused refused && refused.status() == 401) {
            return "Elasticsearch rejected the credentials (check user/password or api_key): " + e.getMessage();
        }
        if (e instanceof BulkRequestRefused refused && refused.status() == 403) {
            return "Elasticsearch denied the bulk request (the user or API key needs the index or create_doc"
                    + " privilege on the index): " + e.getMessage();
        }
        if (e instanceof BulkRequestRefused) {
            return e.getMessage();
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

    /** A document sent in a bulk request, with what its bulk action and a dead-letter entry need. */
    private record Pending(Event event, String index, String id) {
    }

    /**
     * Writes the batch in bulk requests of at most {@link #MAX_BULK_BYTES}: each document's action line and JSON go
     * straight into one reused {@link BulkBody}, which is sent as it is through the low-level REST client.
     */
    @Override
    public void write(List<Event> events) throws InterruptedException {
        BulkBody body = bodies.poll();
        if (body == null) {
            body = new BulkBody(action);
        }
        try {
            List<Pending> documents = new ArrayList<>(events.size());
            for (Event event : events) {
                Pending document = new Pending(event, index.apply(event), documentId(event));
                int size = body.size();
                add(body, document);
                if (body.size() > MAX_BULK_BYTES && body.count() > 1) {
                    // Too big with this one: send what came before it, and begin the next request with it.
                    body.truncate(size, body.count() - 1);
                    deliver(body, documents);
                    documents = new ArrayList<>(events.size() - documents.size());
                    body.clear();
                    add(body, document);
                }
                documents.add(document);
            }
            if (!documents.isEmpty()) {
                deliver(body, documents);
            }
        } finally {
            body.clear();
            if (body.worthKeeping()) {
                bodies.offer(body);
            }
        }
    }

    private static void add(BulkBody body, Pending document) {
        try {
            body.add(document.index(), document.id(), document.event());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the event as JSON", e);
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

    /**
     * Sends {@code body} (holding {@code documents}) until every document is written or dead-lettered; only an
     * interrupt (shutdown) ends it early. What must be sent again is written into the same body anew.
     */
    private void deliver(BulkBody body, List<Pending> documents) throws InterruptedException {
        List<Pending> remaining = documents;
        long backoff = initialBackoffMillis;
        while (true) {
            List<Pending> retry = new ArrayList<>();
            List<DeadLetterQueue.Entry> dead = new ArrayList<>();
            String failure = null;
            try {
                installTemplate();
                BulkResult items = send(body);
                if (items.count() != remaining.size()) {
                    // Without one answer per document we cannot tell which were written: send them all again.
                    throw new IllegalStateException("bulk response has " + items.count() + " items for "
                            + remaining.size() + " documents");
                }
                for (int i = 0; i < items.count(); i++) {
                    Pending document = remaining.get(i);
                    int status = items.status(i);
                    if (status >= 200 && status < 300) {
                        written.incrementAndGet();
                    } else if (status == 409 && action.equals("create")) {
                        // Already written before a crash and now replayed: the document is there.
                        duplicates.incrementAndGet();
                    } else if (status == 400 || status == 404) {
                        String reason = items.error(i) == null ? "status " + status : items.error(i);
                        dead.add(new DeadLetterQueue.Entry(document.event(), document.index(), document.id(), status, reason));
                    } else {
                        retry.add(document);
                        if (failure == null) {
                            failure = "status " + status + (items.error(i) == null ? "" : " " + items.error(i));
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
            if (retry != remaining) {
                body.clear();
                for (Pending document : retry) {
                    add(body, document);
                }
            }
            remaining = retry;
        }
    }

    /** One bulk request with the body's bytes as they are; a whole-request error status throws. */
    private BulkResult send(BulkBody body) throws IOException {
        Request request = new Request("POST", "/_bulk");
        request.addParameter("filter_path", BulkResult.FILTER_PATH);
        if (ingestPipeline != null) {
            request.addParameter("pipeline", ingestPipeline);
        }
        // An NIO entity over the array itself: the async client writes it to the socket without copying it.
        request.setEntity(new NByteArrayEntity(body.array(), 0, body.size(), NDJSON));
        Response response;
        try {
            response = restClient.performRequest(request);
        } catch (ResponseException e) {
            throw BulkRequestRefused.of(e);
        }
        HttpEntity entity = response.getEntity();
        if (entity == null) {
            throw new IOException("bulk response without a body (status " + response.getStatusLine() + ")");
        }
        try (InputStream in = entity.getContent()) {
            return BulkResult.read(in, body.count());
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            typedClient._transport().close(); // and the REST client under it
        } catch (Exception e) {
            LOG.debug("closing the Elasticsearch client", e);
        }
    }
}
