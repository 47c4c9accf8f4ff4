#!/usr/bin/env bash
# Shipper benchmark: lines/s shipping a pre-written nginx access log (1 GB by default) into a Kafka broker, with
# the shipper's CPU seconds and peak RSS, and the same again with multiline on; beside it, in the same run, the
# anchor rsyslog (imfile -> omkafka) shipping the same file into the same broker. Prints medians and the ratio.
#
#   bench/shipper/run.sh [--size-mb N] [--runs N]
#
# Needs: JDK 17, Maven, rsyslog and rsyslog-kafka (installed with apt-get when missing and running as root).
# The broker is testkit's KafkaBroker: Apache Kafka by default (BENCH_BROKER=kafka), the bundled queue with
# BENCH_BROKER=queue once it is implemented.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE_MB=1024
RUNS=3
while [ $# -gt 0 ]; do
    case "$1" in
        --size-mb) SIZE_MB=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
if ! command -v rsyslogd >/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so ]; then
    [ "$(id -u)" = 0 ] || { echo "install rsyslog and rsyslog-kafka first" >&2; exit 1; }
    echo "installing rsyslog rsyslog-kafka ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rsyslog rsyslog-kafka
fi
WORK=var/bench/shipper
mkdir -p "$WORK"
echo "building shipper and testkit ..."
mvn -B -ntp -q -pl shipper -am package -DskipTests dependency:build-classpath \
    -Dmdep.outputFile="$PWD/$WORK/classpath.txt" -Dmdep.includeScope=test
CP="testkit/target/classes:shipper/target/classes:$(cat "$WORK/classpath.txt")"
exec java -Xmx512m -cp "$CP" -Dbench.work="$WORK" -Dbench.shipperJar=shipper/target/shipper.jar \
    -Dbench.sizeMb="$SIZE_MB" -Dbench.runs="$RUNS" -Dtestkit.dir="$PWD/$WORK/testkit" \
    -Dtestkit.broker="${BENCH_BROKER:-kafka}" \
    -Dbench.tools="${BENCH_TOOLS:-rsyslog,shipper,shipper+multiline}" -Dbench.shipperOpts="${SHIPPER_OPTS:-}" \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn bench/shipper/ShipperBench.java
