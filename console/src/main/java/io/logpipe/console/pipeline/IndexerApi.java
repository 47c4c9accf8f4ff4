package io.logpipe.console.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.logpipe.console.config.ConsoleConfig;
import io.logpipe.console.es.ElasticsearchRest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * The console's client of the indexer's monitoring API ({@code indexer.api}): http or https (trusting
 * {@code indexer.ssl.certificateAuthorities}), with the HTTP Basic credentials the API asks for when its
 * {@code api.auth.type} is basic.
 */
public final class IndexerApi {
    /** The API answered, but not 200: its status and what to change, for the pipeline page's reason. */
    public static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    private final URI base;
    private final String authorization;
    private final HttpClient http;

    public IndexerApi(URI base, ConsoleConfig.IndexerAccess access) {
        this.base = base;
        this.authorization = access.username() == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (access.username() + ":" + access.password()).getBytes(StandardCharsets.UTF_8));
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3));
        if (access.sslContext() != null) {
            builder.sslContext(access.sslContext());
        }
        this.http = builder.build();
    }

    /** Plain http without credentials, as the indexer's API is by default. */
    public static IndexerApi plain(URI base) {
        return new IndexerApi(base, ConsoleConfig.IndexerAccess.NONE);
    }

    public URI base() {
        return base;
    }

    /** GET {@code path} as JSON; {@link Refused} when the API answers another status than 200. */
    public JsonNode get(String path) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 401) {
            throw new Refused(authorization == null
                    ? "asks for credentials (401): set indexer.username and indexer.password"
                    : "refuses the credentials of indexer.username (401): check indexer.username and indexer.password");
        }
        if (response.statusCode() != 200) {
            throw new Refused("answered " + response.statusCode() + " to GET " + path);
        }
        return ElasticsearchRest.JSON.readTree(response.body());
    }
}
