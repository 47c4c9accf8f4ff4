import io.logpipe.common.elasticsearch.ElasticsearchProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The one Elasticsearch node of a bench/pipeline/run, shared by both stacks: the 8.19 distribution Maven resolved,
 * started the way the appliance starts its embedded node (common's {@link ElasticsearchProcess}: loopback, single
 * node, security off, the appliance's default heap unless told otherwise), as the test kit's nodes are.
 *
 * <p>Arguments: ZIP DIR HEAP HTTP_PORT TRANSPORT_PORT READY_FILE. Writes "URL PID" to READY_FILE once the node is
 * healthy, then runs until it gets SIGTERM, which stops the node (and the node's watchdog stops it should this JVM
 * be killed with SIGKILL).
 */
public final class Elasticsearch {
    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: Elasticsearch ZIP DIR HEAP HTTP_PORT TRANSPORT_PORT READY_FILE");
            System.exit(2);
        }
        Path dir = Path.of(args[1]).toAbsolutePath();
        ElasticsearchProcess node = ElasticsearchProcess.builder(Path.of(args[0]), dir.resolve("dist"),
                        dir.resolve("node"))
                .name("pipeline-bench")
                .clusterName("pipeline-bench")
                .ports(Integer.parseInt(args[3]), Integer.parseInt(args[4]))
                .heap(args[2])
                .log(message -> System.err.println("[elasticsearch] " + message))
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "elasticsearch-stopper"));
        long pid = node.process().orElseThrow(() -> new IllegalStateException("Elasticsearch exited")).pid();
        Path ready = Path.of(args[5]);
        Path partial = ready.resolveSibling(ready.getFileName() + ".tmp");
        Files.writeString(partial, node.url() + " " + pid + "\n");
        Files.move(partial, ready, StandardCopyOption.ATOMIC_MOVE);
        Thread.currentThread().join();
    }
}
