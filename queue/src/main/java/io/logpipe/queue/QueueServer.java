package io.logpipe.queue;

/** Entry point of {@code bin/queue-server}. */
public final class QueueServer {
    static final String USAGE = """
Usage: bin/queue-server CONFIG [--override key=value ...]

Starts the bundled Kafka-protocol broker with a Kafka server.properties file.

  CONFIG                    a Kafka server.properties (conf/server.properties)
  --override key=value      override one property of CONFIG (repeatable)
  -h, --help                show this help
""";

    private QueueServer() {
    }

    public static void main(String[] args) {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.print(USAGE);
                return;
            }
        }
        System.err.println("queue-server: not implemented yet (tracked in issue 3); see --help for the planned interface");
        System.exit(1);
    }
}
