package io.logpipe.indexer;

/** Entry point of {@code bin/indexer}. */
public final class Indexer {
    static final String USAGE = """
Usage: bin/indexer -f PATH [-t] [--path.settings DIR] [--path.data DIR]
       bin/indexer -e CONFIG_STRING

Runs Logstash pipeline files: Kafka in, filters, Elasticsearch out.

  -f PATH              a pipeline .conf file, a directory or a glob
  -e CONFIG_STRING     a pipeline given inline
  -t                   test the configuration and exit
  --path.settings DIR  where indexer.yml (logstash.yml keys) and pipelines.yml live
  --path.data DIR      where state and the dead-letter queue live
  -h, --help           show this help
""";

    private Indexer() {
    }

    public static void main(String[] args) {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.print(USAGE);
                return;
            }
        }
        System.err.println("indexer: not implemented yet (tracked in issue 6); see --help for the planned interface");
        System.exit(1);
    }
}
