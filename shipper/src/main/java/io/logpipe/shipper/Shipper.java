package io.logpipe.shipper;

/** Entry point of {@code bin/shipper}. */
public final class Shipper {
    static final String USAGE = """
Usage: bin/shipper -c CONFIG [-e] [--path.data DIR] [-E key=value ...]
       bin/shipper test config -c CONFIG
       bin/shipper test output -c CONFIG

Tails log files and ships their lines to Kafka. CONFIG is a filebeat.yml (7.x dialect).

  -c CONFIG           the configuration file (conf/shipper.yml)
  -e                  log to stderr
  --path.data DIR     where the registry lives (overrides path.data)
  -E key=value        override one setting (repeatable)
  test config         validate CONFIG and list the files each input would harvest now
  test output         connect to the configured brokers and report
  -h, --help          show this help
""";

    private Shipper() {
    }

    public static void main(String[] args) {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.print(USAGE);
                return;
            }
        }
        System.err.println("shipper: not implemented yet (tracked in issue 5); see --help for the planned interface");
        System.exit(1);
    }
}
