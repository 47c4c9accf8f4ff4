package io.logpipe.indexer.prune;

/** Entry point of {@code bin/prune}. */
public final class Prune {
    static final String USAGE = """
Usage: bin/prune -c RETENTION_YML [--dry-run]
       bin/prune --hosts URL --pattern PATTERN --date-format FORMAT --keep AGE [--dry-run]

Deletes date-suffixed Elasticsearch indices older than their retention.

  -c FILE             retention rules (conf/retention.yml)
  --hosts URL         Elasticsearch URL(s), comma-separated
  --pattern PATTERN   index pattern, e.g. nginx.access-*
  --date-format FMT   date format of the suffix (Joda style), e.g. yyyy.MM.dd
  --keep AGE          how long to keep, e.g. 5d or 36h
  --dry-run           list what would be deleted, delete nothing
  -h, --help          show this help
""";

    private Prune() {
    }

    public static void main(String[] args) {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.print(USAGE);
                return;
            }
        }
        System.err.println("prune: not implemented yet (tracked in issue 7); see --help for the planned interface");
        System.exit(1);
    }
}
