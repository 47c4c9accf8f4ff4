package io.logpipe.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logpipe.testkit.Wait;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appliance as a user runs it: {@code up --demo} as its own process, with the real parts (the embedded
 * Elasticsearch from the distribution Maven resolved, the queue, the indexer, the shipper) started through bin/.
 * One run proves, in order: demo documents in nginx.access-today with a stack trace joined into one document;
 * status shows the index and a nonzero rate; a part killed with SIGKILL is restarted and the flow resumes; SIGTERM
 * stops every part, frees every port, within the bound.
 */
class ApplianceProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private Process supervisor;

    @AfterEach
    void stop() throws Exception {
        if (supervisor != null && supervisor.isAlive()) {
            supervisor.toHandle().destroy();
            supervisor.waitFor(120, TimeUnit.SECONDS);
        }
    }

    @Test
    void upDemoIndexesJoinedStackTracesRestartsAKilledPartAndStopsEverything() throws Exception {
        ApplianceRun.Ports ports = ApplianceRun.Ports.pick();
        int esPort = ports.elasticsearch();
        int shipperPort = ports.shipperApi();
        ApplianceConfig config = ApplianceRun.config(dir, ports);
        Appliance.Layout layout = new Appliance.Layout(config.dataDir());
        supervisor = ApplianceRun.start(config, dir.resolve("supervisor.out"), "up", "--demo");

        Wait.until("every part ready and the block printed", Duration.ofMinutes(5), () ->
                ApplianceRun.state(layout).path("ready").asBoolean(false) && output().contains("logpipe appliance is up"));
        String out = output();
        assertTrue(out.contains("logpipe appliance is up"), out);
        assertTrue(out.contains("http://127.0.0.1:" + esPort), out);
        assertTrue(out.contains("nginx.access-%{+YYYY.MM.dd}"), out);

        String es = "http://127.0.0.1:" + esPort;
        String today = "nginx.access-" + LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy.MM.dd"));
        Wait.until("a stack trace indexed as one document in " + today, Duration.ofMinutes(3), () ->
                hits(es, today, "Caused by") > 0);
        JsonNode trace = search(es, today, "Caused by").path("hits").path("hits").get(0).path("_source");
        String message = trace.path("message").asText();
        assertTrue(message.contains(" ERROR [orders] request ") && message.contains("\n\tat com.example.orders")
                && message.contains("\nCaused by: java.lang.NullPointerException"), message);

        Map<String, Object> status = Status.collect(config, layout);
        assertEquals(true, status.get("healthy"), status.toString());
        assertTrue(status.toString().contains("index=" + today), status.toString());
        // the shipper's own figures, from its stats endpoint the appliance turned on
        Map<?, ?> shipper = (Map<?, ?>) status.get("shipper");
        assertEquals("http://127.0.0.1:" + shipperPort + "/stats", shipper.get("api"), status.toString());
        assertEquals("reachable", shipper.get("state"), status.toString());
        assertTrue(((Number) shipper.get("acked")).longValue() > 0, status.toString());
        assertEquals(1L, ((Number) shipper.get("open_files")).longValue(), status.toString());
        String text = Status.text(status);
        assertTrue(text.matches("(?s).*\\nshipper: [0-9.]+ lines/s, [0-9]+ acked, [0-9]+ in flight, [0-9]+ retried, "
                + "1 file\\(s\\) open\\n.*"), text);
        // The rate is measured over one second: on a loaded machine one second may fall between two batches.
        Wait.until("status showing a nonzero indexing rate", Duration.ofMinutes(1), () -> {
            try {
                return eventsPerSecond(Status.collect(config, layout)) > 0;
            } catch (Exception e) {
                return false;
            }
        });

        // SIGKILL the indexer: the supervisor restarts it and documents keep coming.
        long indexer = ApplianceRun.pid(layout, "indexer");
        ProcessHandle.of(indexer).orElseThrow().destroyForcibly();
        Wait.until("the indexer restarted", Duration.ofMinutes(2), () -> {
            JsonNode part = ApplianceRun.part(layout, "indexer");
            return part.path("restarts").asInt() == 1 && part.path("state").asText().equals("running");
        });
        long afterKill = count(es, today);
        Wait.until("documents after the restart", Duration.ofMinutes(2), () -> count(es, today) > afterKill + 20);

        // SIGTERM: every part stops, every port is free, within the bound.
        List<Long> pids = new ArrayList<>();
        for (String name : List.of("elasticsearch", "queue", "indexer", "shipper")) {
            pids.add(ApplianceRun.pid(layout, name));
        }
        supervisor.toHandle().destroy();
        assertTrue(supervisor.waitFor(90, TimeUnit.SECONDS), "the supervisor must stop within its bound");
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " still runs");
        }
        for (int port : ports.all()) {
            assertFalse(ChildPart.portOpen(port), "port " + port + " still open");
        }
        String stopped = Files.readString(dir.resolve("supervisor.out"));
        assertTrue(stopped.contains("appliance stopped"), stopped);
        // the indexer drained and exited 0: a clean stop, none of the parts said otherwise
        assertTrue(stopped.contains("indexer: stopped after"), stopped);
        assertFalse(stopped.contains("not a clean stop"), stopped);
    }

    private String output() {
        try {
            return Files.readString(dir.resolve("supervisor.out"));
        } catch (IOException e) {
            return "";
        }
    }

    @SuppressWarnings("unchecked")
    private static double eventsPerSecond(Map<String, Object> status) {
        Object pipelines = ((Map<String, Object>) status.get("indexer")).get("pipelines");
        return pipelines instanceof List<?> list && !list.isEmpty()
                ? ((Number) ((Map<String, Object>) list.get(0)).get("events_per_second")).doubleValue() : 0;
    }

    private static JsonNode search(String es, String index, String phrase) throws IOException, InterruptedException {
        String body = "{\"query\":{\"match_phrase\":{\"message\":\"" + phrase + "\"}},\"size\":1}";
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(es + "/" + index + "/_search"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static long hits(String es, String index, String phrase) {
        try {
            return search(es, index, phrase).path("hits").path("total").path("value").asLong();
        } catch (IOException | InterruptedException e) {
            return 0;
        }
    }

    private static long count(String es, String index) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(es + "/" + index + "/_count"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body()).path("count").asLong();
        } catch (IOException | InterruptedException e) {
            return 0;
        }
    }

}
