package io.logpipe.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ElasticsearchNodeTest {

    @Test
    void bulkIndexedDocumentsCanBeSearchedBack() throws Exception {
        ElasticsearchNode node = ElasticsearchNode.shared();
        ElasticsearchClient client = node.client();
        try {
            List<BulkOperation> operations = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                Map<String, Object> doc = Map.of("message", "GET /item/" + i + " HTTP/1.1", "status", i % 5 == 0 ? 404 : 200);
                String id = "doc-" + i;
                operations.add(BulkOperation.of(op -> op.index(idx -> idx.index("testkit-bulk").id(id).document(doc))));
            }
            BulkResponse bulk = client.bulk(b -> b.operations(operations).refresh(Refresh.True));
            assertEquals(false, bulk.errors(), "bulk had item errors");
            assertEquals(500, bulk.items().size());

            SearchResponse<Map> notFound = client.search(s -> s.index("testkit-bulk")
                    .query(q -> q.term(t -> t.field("status").value(404))).size(200), Map.class);
            assertEquals(100, notFound.hits().total().value());
            assertEquals(100, notFound.hits().hits().size());
            assertTrue(notFound.hits().hits().stream().allMatch(hit -> hit.id().startsWith("doc-")));

            SearchResponse<Map> one = client.search(s -> s.index("testkit-bulk")
                    .query(q -> q.ids(ids -> ids.values("doc-42"))), Map.class);
            assertEquals("GET /item/42 HTTP/1.1", one.hits().hits().get(0).source().get("message"));
        } finally {
            client._transport().close();
        }
    }

    @Test
    void sharedNodeIsOneNodePerJvm() {
        assertEquals(ElasticsearchNode.shared().url(), ElasticsearchNode.shared().url());
        assertTrue(ElasticsearchNode.shared().process().isPresent(), "the server process is running");
    }

    @Test
    void securedNodeAcceptsItsPasswordAndRejectsAnonymousRequests() throws Exception {
        try (ElasticsearchNode secured = ElasticsearchNode.start(ElasticsearchNode.Options.secured("secured", "elastic-test", "s3cret-pass"))) {
            HttpURLConnection anonymous = (HttpURLConnection) URI.create(secured.url() + "/_cluster/health").toURL().openConnection();
            assertEquals(401, anonymous.getResponseCode());

            ElasticsearchClient client = secured.client();
            try {
                client.index(i -> i.index("secured-docs").id("1").document(Map.of("ok", true)).refresh(Refresh.True));
                assertEquals(1, client.count(c -> c.index("secured-docs")).count());
                // API keys live in the .security index, which needs the analysis components the testkit adds.
                var key = client.security().createApiKey(k -> k.name("testkit-key"));
                assertEquals("testkit-key", key.name());
                assertTrue(client.security().getApiKey(g -> g.id(key.id())).apiKeys().size() == 1);
            } finally {
                client._transport().close();
            }

            ElasticsearchClient wrongPassword = secured.client("elastic-test", "wrong");
            try {
                ElasticsearchException rejected = assertThrows(ElasticsearchException.class, () -> wrongPassword.count(c -> c.index("secured-docs")));
                assertEquals(401, rejected.status());
            } finally {
                wrongPassword._transport().close();
            }
            ProcessHandle server = secured.process().orElseThrow();
            secured.close();
            assertTrue(server.onExit().isDone() || !server.isAlive(), "close() stops the server process");
        }
    }
}
