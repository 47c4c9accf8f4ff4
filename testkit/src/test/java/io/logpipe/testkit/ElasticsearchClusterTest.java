package io.logpipe.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.Refresh;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two Elasticsearch nodes as one cluster: the second joins the first; a replicated index outlives a node's kill. */
class ElasticsearchClusterTest {
    @Test
    void aReplicatedIndexStaysWritableWhileTheOtherNodeIsKilled() throws Exception {
        try (ElasticsearchCluster cluster = ElasticsearchCluster.start("testkit-pair", 2)) {
            ElasticsearchClient client = cluster.client();
            try {
                assertEquals(2, client.cluster().health(h -> h).numberOfNodes(), "the second node joined");
                client.indices().create(c -> c.index("testkit-replicated")
                        .settings(s -> s.numberOfShards("1").numberOfReplicas("1")));
                cluster.awaitNodes(Duration.ofMinutes(2)); // green: the replica is on the other node
                for (int i = 0; i < 50; i++) {
                    String id = "doc-" + i;
                    client.index(x -> x.index("testkit-replicated").id(id).document(Map.of("n", id)));
                }

                String master = cluster.master();
                ElasticsearchNode other = cluster.nodes().stream().filter(n -> !n.name().equals(master))
                        .findFirst().orElseThrow();
                other.kill();
                assertFalse(other.process().isPresent());
                // The master alone still holds a copy of the shard: writes and reads go on through it.
                for (int i = 50; i < 100; i++) {
                    String id = "doc-" + i;
                    client.index(x -> x.index("testkit-replicated").id(id).document(Map.of("n", id)));
                }
                client.indices().refresh(r -> r.index("testkit-replicated"));
                assertEquals(100, client.count(c -> c.index("testkit-replicated")).count());

                cluster.restart(other, Duration.ofMinutes(3));
                assertTrue(other.process().isPresent());
                assertEquals(2, client.cluster().health(h -> h).numberOfNodes(), "back in the cluster");
                client.index(x -> x.index("testkit-replicated").id("doc-100").document(Map.of("n", "doc-100"))
                        .refresh(Refresh.True));
                assertEquals(101, client.count(c -> c.index("testkit-replicated")).count());
            } finally {
                client._transport().close();
            }
        }
    }
}
