package io.logpipe.indexer.es;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import io.logpipe.testkit.ElasticsearchNode;
import io.logpipe.testkit.FreePorts;
import java.nio.file.Path;
import java.util.List;
import org.apache.http.HttpHost;
import org.junit.jupiter.api.Test;

class ElasticsearchConnectionTest {

    @Test
    void hostsAreAcceptedInLogstashForms() {
        assertEquals(new HttpHost("es1", 9200, "http"), ElasticsearchConnection.parseHost("es1", false));
        assertEquals(new HttpHost("es1", 9201, "http"), ElasticsearchConnection.parseHost("es1:9201", false));
        assertEquals(new HttpHost("es1", 9200, "https"), ElasticsearchConnection.parseHost("https://es1", false));
        assertEquals(new HttpHost("es1", 9200, "https"), ElasticsearchConnection.parseHost("es1", true));
        assertEquals(new HttpHost("127.0.0.1", 9200, "http"), ElasticsearchConnection.parseHost("http://127.0.0.1:9200/", false));
    }

    @Test
    void anEntryWithSpacesIsSeveralHostsAsInLogstashsUriList() {
        // what bin/appliance passes as ELASTICSEARCH_URL for several elasticsearch.hosts
        assertEquals(List.of(new HttpHost("es1", 9200, "http"), new HttpHost("es2", 9201, "https")),
                ElasticsearchConnection.of(List.of(" http://es1:9200  https://es2:9201 "), null, null, null, List.of())
                        .hosts());
    }

    @Test
    void wrongSettingsFailWithTheSettingName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ElasticsearchConnection.parseHost("ftp://es1", false))
                .getMessage().startsWith("hosts:"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ElasticsearchConnection.of(List.of("es1"), "elastic", null, null, List.of())).getMessage().contains("user"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ElasticsearchConnection.of(List.of("es1"), "elastic", "pw", "id:key", List.of())).getMessage().contains("api_key"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ElasticsearchConnection.of(List.of("es1"), null, null, null, List.of(Path.of("/nonexistent/ca.pem"))))
                .getMessage().contains("/nonexistent/ca.pem"));
        assertThrows(IllegalArgumentException.class, () -> ElasticsearchConnection.of(List.of(), null, null, null, List.of()));
    }

    @Test
    void failsOverToTheNextHostWhenTheFirstIsDown() throws Exception {
        String down = "http://127.0.0.1:" + FreePorts.pick();
        ElasticsearchConnection connection = ElasticsearchConnection.of(
                List.of(down, ElasticsearchNode.shared().url()), null, null, null, List.of());
        ElasticsearchClient client = connection.openClient();
        try {
            for (int i = 0; i < 4; i++) {
                assertEquals("logpipe-test", client.cluster().health().clusterName());
            }
        } finally {
            client._transport().close();
        }
    }

    @Test
    void authenticatesWithUserAndPassword() throws Exception {
        ElasticsearchNode secured = ElasticsearchNode.sharedSecured();
        ElasticsearchClient good = ElasticsearchConnection.of(List.of(secured.url()), ElasticsearchNode.SECURED_USER,
                ElasticsearchNode.SECURED_PASSWORD, null, List.of()).openClient();
        ElasticsearchClient bad = ElasticsearchConnection.of(List.of(secured.url()), ElasticsearchNode.SECURED_USER,
                "nope", null, List.of()).openClient();
        try {
            assertEquals("logpipe-test", good.cluster().health().clusterName());
            assertEquals(401, assertThrows(ElasticsearchException.class, () -> bad.cluster().health()).status());
        } finally {
            good._transport().close();
            bad._transport().close();
        }
    }
}
