package io.logpipe.indexer.plugins.outputs;

import com.fasterxml.jackson.databind.JsonNode;
import io.logpipe.indexer.event.EventJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.ResponseException;

/**
 * Elasticsearch (or something in front of it) answered a whole {@code _bulk} request with an error status: none of
 * its documents was written. The reason is the error's {@code type: reason} when the answer is Elasticsearch's JSON
 * error, else the start of whatever came back (a proxy's HTML page).
 */
final class BulkRequestRefused extends IOException {
    private final int status;

    private BulkRequestRefused(int status, String reason, Throwable cause) {
        super("Elasticsearch answered the bulk request with status " + status + ": " + reason, cause);
        this.status = status;
    }

    int status() {
        return status;
    }

    static BulkRequestRefused of(ResponseException e) {
        int status = e.getResponse().getStatusLine().getStatusCode();
        String body = "";
        try {
            body = e.getResponse().getEntity() == null ? ""
                    : EntityUtils.toString(e.getResponse().getEntity(), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException unreadable) {
            // the status says enough
        }
        return new BulkRequestRefused(status, reason(body, e.getResponse().getStatusLine().getReasonPhrase()), e);
    }

    /** {@code type: reason} from {@code {"error":{"type":..,"reason":..},"status":..}}, else the body's start. */
    private static String reason(String body, String phrase) {
        try {
            JsonNode error = EventJson.MAPPER.readTree(body).path("error");
            if (error.isObject() && error.has("type")) {
                return error.path("type").asText() + ": " + error.path("reason").asText();
            }
            if (error.isTextual()) {
                return error.asText();
            }
        } catch (IOException | RuntimeException notJson) {
            // shown as it came, below
        }
        String text = body.strip();
        if (text.isEmpty()) {
            return phrase == null ? "(no body)" : phrase;
        }
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
