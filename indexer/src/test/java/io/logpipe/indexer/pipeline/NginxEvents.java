package io.logpipe.indexer.pipeline;

import java.time.Instant;

/** nginx access-log events as JSON, as the shipper (Filebeat) would put them on the topic. */
public final class NginxEvents {
    private static final String[] PATHS = {"/", "/index.html", "/api/v1/items?page=2", "/static/app.js", "/login"};
    private static final String[] AGENTS = {"Mozilla/5.0 (X11; Linux x86_64)", "curl/8.5.0", "Googlebot/2.1"};

    private NginxEvents() {
    }

    /** Event {@code i}, stamped {@code start + i * stepMillis}. */
    public static String json(int i, Instant start, long stepMillis) {
        Instant timestamp = start.plusMillis(i * stepMillis);
        int status = i % 17 == 0 ? 404 : i % 31 == 0 ? 500 : 200;
        return "{\"@timestamp\":\"" + timestamp + "\",\"message\":\"10.0." + (i % 250) + "." + (i % 200)
                + " - - [" + timestamp + "] \\\"GET " + PATHS[i % PATHS.length] + " HTTP/1.1\\\" " + status + " "
                + (512 + i % 4096) + "\",\"remote_addr\":\"10.0." + (i % 250) + "." + (i % 200)
                + "\",\"request\":\"GET " + PATHS[i % PATHS.length] + " HTTP/1.1\",\"status\":" + status
                + ",\"body_bytes_sent\":" + (512 + i % 4096) + ",\"http_user_agent\":\"" + AGENTS[i % AGENTS.length]
                + "\",\"request_time\":" + ((i % 1000) / 1000.0) + ",\"host\":{\"name\":\"web" + (i % 4) + "\"},\"seq\":" + i + "}";
    }
}
