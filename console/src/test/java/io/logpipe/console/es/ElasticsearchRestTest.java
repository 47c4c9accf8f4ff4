package io.logpipe.console.es;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.logpipe.console.ApiException;
import io.logpipe.testkit.ElasticsearchNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every configured host is used, as Kibana does: requests go round the hosts, a host that is down is skipped. */
class ElasticsearchRestTest {
    @Test
    void failsOverToTheNextHostWhenTheFirstIsDown() throws Exception {
        ElasticsearchNode node = ElasticsearchNode.shared();
        ElasticsearchRest es = new ElasticsearchRest(List.of(URI.create(downHost()), URI.create(node.url())), null, null);
        for (int i = 0; i < 4; i++) { // whichever host the round starts at
            assertEquals("logpipe-test", es.get("/_cluster/health").get(30, TimeUnit.SECONDS).path("cluster_name")
                    .asText());
        }
    }

    @Test
    void saysWhichHostWasUnreachableWhenAllAreDown() throws Exception {
        String down = downHost();
        ElasticsearchRest es = new ElasticsearchRest(List.of(URI.create(down)), null, null);
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> es.get("/_cluster/health").get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof ApiException && e.getCause().getMessage().contains(down), e.toString());
    }

    private static String downHost() throws Exception {
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + closed.getLocalPort(); // nothing listens there once closed
        }
    }
}
