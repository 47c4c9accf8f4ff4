package io.logpipe.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.testkit.ElasticsearchNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every host of {@code elasticsearch.hosts} is used, as Logstash and Kibana do: every part is given all of them, and
 * with the first one down, status goes on to the next, against a real node.
 */
class ElasticsearchHostsTest {
    @TempDir
    Path dir;

    @Test
    void statusFailsOverToTheNextHostWhenTheFirstIsDown() throws Exception {
        ElasticsearchNode node = ElasticsearchNode.shared();
        String down;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            down = "http://127.0.0.1:" + closed.getLocalPort(); // nothing listens there once closed
        }
        String index = "hosts-failover-" + System.nanoTime();
        var put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(node.url() + "/" + index)).PUT(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, put.statusCode(), put.body());
        Path file = Files.writeString(dir.resolve("appliance.yml"), "elasticsearch:\n  hosts: [\"" + down + "\", \""
                + node.url() + "\"]\n");
        ApplianceConfig config = ApplianceConfig.load(dir, file);
        assertEquals(down + " " + node.url(), config.elasticsearchUrl(), "ELASTICSEARCH_URL names both");

        Map<String, Object> status = Status.collect(config, new Appliance.Layout(dir.resolve("var")));
        @SuppressWarnings("unchecked")
        Map<String, Object> es = (Map<String, Object>) status.get("elasticsearch");
        assertEquals(node.url(), es.get("url"), status.toString());
        assertTrue(Set.of("green", "yellow").contains(es.get("health")), status.toString());
        assertTrue(es.get("indices").toString().contains("index=" + index), status.toString());
    }
}
