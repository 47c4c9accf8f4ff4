package io.logpipe.console.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logpipe.console.ApiException;
import io.logpipe.console.auth.LoginThrottle;
import io.logpipe.console.auth.Sessions;
import io.logpipe.console.config.ConsoleConfig;
import io.logpipe.console.deadletters.DeadLetters;
import io.logpipe.console.es.ElasticsearchRest;
import io.logpipe.console.indices.IndicesService;
import io.logpipe.console.pipeline.IndexerApi;
import io.logpipe.console.pipeline.PipelineLayout;
import io.logpipe.console.pipeline.PipelineMonitor;
import io.logpipe.console.queue.QueueService;
import io.logpipe.console.search.LiveTail;
import io.logpipe.console.search.SearchService;
import io.logpipe.console.search.TimeRange;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.KeyCertOptions;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's web server: the page (HTML, CSS and JS from the jar) and the JSON API under {@code /api/} that the
 * page uses and scripts can. Elasticsearch is asked asynchronously; Kafka and the indexer's API, whose clients
 * block, from worker threads. Mutating requests are POSTs carrying the session's CSRF token, and are logged.
 */
public final class ConsoleServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);
    static final Duration TAIL_POLL = Duration.ofSeconds(1);
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml");
    private static final Set<String> PUBLIC = Set.of("/login.html", "/app.css", "/api/login", "/api/status", "/login.js", "/favicon.svg");

    private final ConsoleConfig config;
    private final Vertx vertx;
    private final Clock clock;
    private final Function<String, String> environment;
    private final ElasticsearchRest es;
    private final SearchService search;
    private final QueueService queue;
    private final PipelineMonitor monitor;
    private final IndicesService indices;
    private final DeadLetters deadLetters;
    private final Sessions sessions;
    private final LoginThrottle loginThrottle;
    private final String version;
    private HttpServer server;

    private ConsoleServer(ConsoleConfig config, Function<String, String> environment, Clock clock, String version) {
        this.config = config;
        this.environment = environment;
        this.clock = clock;
        this.version = version;
        this.vertx = Vertx.vertx();
        this.es = new ElasticsearchRest(config.elasticsearchHosts(), config.elasticsearchUser(),
                config.elasticsearchPassword());
        this.search = new SearchService(es);
        this.queue = new QueueService(config.kafkaBootstrapServers());
        this.monitor = new PipelineMonitor(this::layout, queue, es,
                new IndexerApi(config.indexerApi(), config.indexerAccess()), config.shipperApi(), config.dataDirs(),
                clock);
        this.indices = new IndicesService(es, config.retentionConfig(), environment, clock);
        this.deadLetters = new DeadLetters(config.deadLetterQueue(), es);
        this.sessions = new Sessions(config.users(), config.requiresLogin(), clock);
        this.loginThrottle = new LoginThrottle(config.loginLimit(), clock);
    }

    public static ConsoleServer start(ConsoleConfig config, Function<String, String> environment, Clock clock,
                                      String version) throws Exception {
        if (config.requiresLogin() && config.users().isEmpty()) {
            throw new IllegalStateException("server.host " + config.host() + " is not loopback, so the console needs "
                    + "a login: add console.users (make a password hash with bin/console --hash-password)");
        }
        ConsoleServer console = new ConsoleServer(config, environment, clock, version);
        try {
            HttpServerOptions options = new HttpServerOptions();
            if (config.tls()) {
                // server.ssl.*: the key material was read and checked when console.yml was loaded
                options.setSsl(true).setKeyCertOptions(KeyCertOptions.wrap(config.serverKeys()));
            }
            console.server = console.vertx.createHttpServer(options).requestHandler(console::handle)
                    .listen(config.port(), config.host()).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            console.close();
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port() + " ("
                    + e.getMessage() + "); set server.port to a free port", e);
        }
        // Samples for the pipeline page's charts, also while nobody looks; one at a time, however slow an
        // unreachable component makes it.
        java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean();
        console.vertx.setPeriodic(10_000, id -> {
            if (sampling.compareAndSet(false, true)) {
                console.blocking(console.monitor::snapshot).onComplete(done -> sampling.set(false));
            }
        });
        return console;
    }

    public int port() {
        return server.actualPort();
    }

    PipelineLayout layout() {
        return PipelineLayout.read(config.pipelines(), environment);
    }

    private void handle(HttpServerRequest request) {
        String path = request.path();
        String cookie = request.getCookie(Sessions.COOKIE) == null ? null : request.getCookie(Sessions.COOKIE).getValue();
        var session = sessions.find(cookie);
        if (session.isEmpty() && !PUBLIC.contains(path)) {
            if (path.startsWith("/api/")) {
                error(request, 401, "log in first (POST /api/login)");
            } else {
                request.response().setStatusCode(302).putHeader("Location", "/login.html").end();
            }
            return;
        }
        if (request.method() == HttpMethod.POST && !path.equals("/api/login")) {
            String token = request.getHeader("X-CSRF-Token");
            if (token == null || !token.equals(session.get().csrfToken())) {
                error(request, 403, "missing or wrong X-CSRF-Token (GET /api/session gives it)");
                return;
            }
        }
        String user = session.map(Sessions.Session::user).orElse(null);
        try {
            route(request, path, user);
        } catch (IllegalArgumentException e) {
            error(request, 400, e.getMessage());
        }
    }

    private void route(HttpServerRequest request, String path, String user) {
        String key = request.method().name() + " " + path;
        switch (key) {
            case "GET /api/status" -> json(request, ElasticsearchRest.JSON.createObjectNode().put("status", "ok")
                    .put("version", version).put("login_required", sessions.loginRequired()));
            case "GET /api/session" -> {
                var s = sessions.find(cookieValue(request)).orElseThrow();
                json(request, ElasticsearchRest.JSON.createObjectNode().put("user", s.user())
                        .put("csrf_token", s.csrfToken()).put("login_required", sessions.loginRequired()));
            }
            case "POST /api/login" -> login(request);
            case "POST /api/logout" -> {
                sessions.logout(cookieValue(request));
                json(request, ElasticsearchRest.JSON.createObjectNode().put("logged_out", true));
            }
            case "GET /api/index-patterns" -> json(request, indexPatterns());
            case "GET /api/search" -> reply(request, search.search(new SearchService.Query(indexParam(request),
                    request.getParam("q", ""), TimeRange.parse(request.getParam("from"), request.getParam("to"),
                    clock.instant()), intParam(request, "size", 100, 0, 10_000))));
            case "GET /api/surrounding" -> reply(request, search.surrounding(indexParam(request),
                    required(request, "doc_index"), required(request, "id"), intParam(request, "size", 10, 1, 500)));
            case "GET /api/tail" -> tail(request);
            case "GET /api/queue/topics" -> blocking(request, queue::topics);
            case "GET /api/queue/groups" -> blocking(request, queue::groups);
            case "GET /api/queue/messages" -> blocking(request, () -> queue.browse(required(request, "topic"),
                    intParam(request, "partition", 0, 0, Integer.MAX_VALUE),
                    request.getParam("offset") == null ? null : Long.parseLong(request.getParam("offset")),
                    request.getParam("time") == null ? null : TimeRange.parse(request.getParam("time"), "now", clock.instant()).from(),
                    intParam(request, "limit", 50, 1, 500)));
            case "GET /api/queue/reset-preview" -> blocking(request, () -> queue.previewReset(required(request, "group"),
                    request.getParam("topic"), target(request.getParam("target")), time(request.getParam("time"))));
            case "POST /api/queue/reset" -> request.body().onSuccess(body -> {
                JsonNode b = parse(body.toString());
                String group = b.path("group").asText();
                String topic = b.path("topic").asText(null);
                LOG.info("user {} from {}: reset offsets of group {} (topic {}) to {} {}", user,
                        request.remoteAddress(), group, topic, b.path("target").asText(), b.path("time").asText(""));
                blocking(request, () -> queue.reset(group, topic, target(b.path("target").asText()),
                        time(b.path("time").asText(null))));
            });
            case "GET /api/pipeline" -> blocking(request, monitor::snapshot);
            case "GET /api/indices" -> reply(request, indices.overview());
            case "GET /api/dead-letters" -> blocking(request, deadLetters::list);
            case "POST /api/dead-letters/retry", "POST /api/dead-letters/purge" -> request.body().onSuccess(body -> {
                JsonNode b = parse(body.toString());
                List<String> ids = ElasticsearchRest.JSON.convertValue(b.path("ids"),
                        ElasticsearchRest.JSON.getTypeFactory().constructCollectionType(List.class, String.class));
                boolean retry = path.endsWith("retry");
                LOG.info("user {} from {}: {} dead letters {}", user, request.remoteAddress(),
                        retry ? "retry" : "purge", ids);
                blocking(request, () -> retry ? deadLetters.retry(ids) : deadLetters.purge(ids));
            });
            default -> {
                if (request.method() == HttpMethod.GET && !path.startsWith("/api/")) {
                    asset(request, path.equals("/") ? "/index.html" : path);
                } else {
                    error(request, 404, "no such endpoint: " + key);
                }
            }
        }
    }

    private ObjectNode indexPatterns() {
        PipelineLayout flow = layout();
        Set<String> patterns = new java.util.LinkedHashSet<>();
        if (config.defaultIndexPattern() != null) {
            patterns.add(config.defaultIndexPattern());
        }
        patterns.addAll(flow.indexPatterns());
        if (patterns.isEmpty()) {
            patterns.add("*");
        }
        ObjectNode out = ElasticsearchRest.JSON.createObjectNode();
        out.set("patterns", ElasticsearchRest.JSON.valueToTree(patterns));
        out.put("default", patterns.iterator().next());
        return out;
    }

    /**
     * Server-sent events: {@code event: ready} once the tail's cursors are set (a line indexed after it is
     * delivered), then every {@link #TAIL_POLL} the matching lines indexed since, each once, as {@code data:}.
     */
    private void tail(HttpServerRequest request) {
        String pattern = indexParam(request);
        String query = request.getParam("q", "");
        HttpServerResponse response = request.response();
        response.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
        response.write(": tail of " + pattern + "\n\n");
        LiveTail tail = new LiveTail(es, pattern, query, 500);
        boolean[] ready = {false};
        boolean[] busy = {false};
        io.vertx.core.Handler<Long> step = id -> {
            if (busy[0]) {
                return;
            }
            busy[0] = true;
            int[] shards = {0};
            CompletableFuture<LiveTail.Batch> polled = ready[0] ? tail.poll() : tail.start().thenApply(n -> {
                shards[0] = n;
                return new LiveTail.Batch(ElasticsearchRest.JSON.createArrayNode(), List.of());
            });
            polled.whenComplete((batch, failure) -> vertx.runOnContext(v -> {
                busy[0] = false;
                if (response.closed() || response.ended()) {
                    return;
                }
                if (failure != null) {
                    response.write("event: problem\ndata: " + jsonString(rootMessage(failure)) + "\n\n");
                    return;
                }
                if (!ready[0]) {
                    ready[0] = true;
                    response.write("event: ready\ndata: {\"shards\":" + shards[0] + "}\n\n");
                }
                for (JsonNode line : batch.lines()) {
                    response.write("data: " + line + "\n\n");
                }
                for (String problem : batch.problems()) {
                    response.write("event: problem\ndata: " + jsonString(problem) + "\n\n");
                }
            }));
        };
        step.handle(-1L);
        long timer = vertx.setPeriodic(TAIL_POLL.toMillis(), step);
        response.closeHandler(v -> vertx.cancelTimer(timer));
        request.connection().closeHandler(v -> vertx.cancelTimer(timer));
    }

    private void login(HttpServerRequest request) {
        String address = request.remoteAddress().host();
        var refused = loginThrottle.refusedFor(address);
        if (refused.isPresent()) {
            long seconds = Math.max(1, (refused.get().toMillis() + 999) / 1000);
            request.response().putHeader("Retry-After", Long.toString(seconds));
            error(request, 429, "too many failed logins from " + address + "; try again in " + seconds + " s");
            return;
        }
        request.body().onSuccess(body -> {
            JsonNode b = parse(body.toString());
            String user = b.path("username").asText("");
            vertx.executeBlocking(() -> sessions.login(user, b.path("password").asText(""))).onComplete(result -> {
                if (result.failed() || result.result().isEmpty()) {
                    LOG.warn("failed login for '{}' from {}", user, request.remoteAddress());
                    if (loginThrottle.failed(address)) {
                        LOG.warn("{} failed logins from {}: refusing its logins for {} s",
                                config.loginLimit().maxFailures(), address, config.loginLimit().lockout().toSeconds());
                    }
                    error(request, 401, "wrong user name or password");
                    return;
                }
                loginThrottle.succeeded(address);
                var s = result.result().get();
                LOG.info("user {} logged in from {}", user, request.remoteAddress());
                request.response().addCookie(Cookie.cookie(Sessions.COOKIE, s.id()).setHttpOnly(true).setPath("/")
                        .setSecure(config.tls())
                        .setSameSite(CookieSameSite.STRICT));
                json(request, ElasticsearchRest.JSON.createObjectNode().put("user", user).put("csrf_token", s.csrfToken()));
            });
        });
    }

    private void asset(HttpServerRequest request, String path) {
        if (path.contains("..")) {
            error(request, 404, "not found");
            return;
        }
        try (InputStream in = ConsoleServer.class.getResourceAsStream("/webroot" + path)) {
            if (in == null) {
                error(request, 404, "not found: " + path);
                return;
            }
            String ext = path.substring(path.lastIndexOf('.') + 1);
            request.response().putHeader("Content-Type", TYPES.getOrDefault(ext, "application/octet-stream"))
                    .putHeader("Cache-Control", "no-cache")
                    .putHeader("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")
                    .putHeader("X-Frame-Options", "DENY")
                    .end(io.vertx.core.buffer.Buffer.buffer(in.readAllBytes()));
        } catch (IOException e) {
            error(request, 500, e.getMessage());
        }
    }

    private void reply(HttpServerRequest request, CompletableFuture<? extends JsonNode> future) {
        future.whenComplete((body, failure) -> vertx.runOnContext(v -> {
            if (failure != null) {
                failed(request, failure);
            } else {
                json(request, body);
            }
        }));
    }

    private void blocking(HttpServerRequest request, Callable<? extends JsonNode> work) {
        vertx.executeBlocking(work, false).onComplete(result -> {
            if (result.failed()) {
                failed(request, result.cause());
            } else {
                json(request, result.result());
            }
        });
    }

    private Future<?> blocking(Callable<?> work) {
        return vertx.executeBlocking(work, false);
    }

    private void failed(HttpServerRequest request, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        int status = 500;
        if (cause instanceof ApiException e) {
            status = e.status();
        } else if (cause instanceof IllegalArgumentException) {
            status = 400;
        }
        if (status >= 500) {
            LOG.warn("{} {}: {}", request.method(), request.uri(), cause.toString());
        }
        error(request, status, rootMessage(cause));
    }

    private static void json(HttpServerRequest request, JsonNode body) {
        if (!request.response().ended() && !request.response().closed()) {
            request.response().putHeader("Content-Type", "application/json").end(body.toString());
        }
    }

    private static void error(HttpServerRequest request, int status, String message) {
        if (!request.response().ended() && !request.response().closed()) {
            request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(ElasticsearchRest.JSON.createObjectNode().put("error", message).toString());
        }
    }

    private static String rootMessage(Throwable t) {
        if (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private static String jsonString(String s) {
        return ElasticsearchRest.JSON.getNodeFactory().textNode(s).toString();
    }

    private static JsonNode parse(String body) {
        try {
            return body.isBlank() ? ElasticsearchRest.JSON.createObjectNode() : ElasticsearchRest.JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("the request body is not JSON: " + e.getMessage());
        }
    }

    private String indexParam(HttpServerRequest request) {
        String index = request.getParam("index");
        return index == null || index.isBlank() ? indexPatterns().path("default").asText() : index;
    }

    private static String cookieValue(HttpServerRequest request) {
        Cookie c = request.getCookie(Sessions.COOKIE);
        return c == null ? null : c.getValue();
    }

    private static String required(HttpServerRequest request, String name) {
        String value = request.getParam(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("parameter '" + name + "' is required");
        }
        return value;
    }

    private static int intParam(HttpServerRequest request, String name, int fallback, int min, int max) {
        String value = request.getParam(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("parameter '" + name + "' must be a number from " + min + " to " + max);
        }
    }

    private static QueueService.ResetTarget target(String text) {
        try {
            return QueueService.ResetTarget.valueOf(text == null ? "" : text.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("target must be earliest, latest or time, not '" + text + "'");
        }
    }

    private Instant time(String text) {
        return text == null || text.isBlank() ? null : TimeRange.parse(text, "now", clock.instant()).from();
    }

    @Override
    public void close() {
        stop();
    }

    /** Closes the Kafka clients and the web server; false (and logged) when the server did not close in time. */
    public boolean stop() {
        queue.close();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            LOG.warn("closing: {}", e.toString());
            return false;
        }
    }
}
