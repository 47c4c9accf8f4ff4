#!/usr/bin/env bash
# Working with a large backlog: the bundled queue broker beside Apache Kafka 4.2.0 (KRaft, single node, loopback),
# same load, brokers one after the other, ROUNDS times alternating; prints medians and ours/Kafka.
#
#   bench/queue/backlog.sh [--rounds N] [--backlog N] [--more M] [--record-size BYTES] [--partitions P] [--acks A]
#   defaults: 3 rounds, backlog 10,000,000 and 2,000,000 more records of 100 bytes, 3 partitions, acks=1
#
# Per broker and round, in a fresh data dir: ProducerPerformance writes the backlog of N records (reported as
# "write backlog"); then (a) ConsumerPerformance (kafka-tools, joins a consumer group, commits) reads all N from the
# beginning; then (b) ProducerPerformance appends M more records to the same topic with the backlog on disk.
# Broker cost: CPU seconds and peak RSS over the whole run, data dir size at the end. Raw figures in
# var/bench/queue/backlog-*.tsv. Shares the broker launch code with run.sh (lib.sh). Binds to 127.0.0.1 only.
set -euo pipefail
ROUNDS=3
BACKLOG=10000000
MORE=2000000
SIZE=100
PARTITIONS=3
ACKS=1
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS=$2; shift 2 ;;
        --backlog) BACKLOG=$2; shift 2 ;;
        --more) MORE=$2; shift 2 ;;
        --record-size) SIZE=$2; shift 2 ;;
        --partitions) PARTITIONS=$2; shift 2 ;;
        --acks) ACKS=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
source "$(dirname "$0")/lib.sh"

build_brokers
rm -rf "$WORK"/backlog-kafka-* "$WORK"/backlog-queue-*
RESULTS="$WORK/backlog-results.tsv"
printf 'broker\tround\tphase\trecords_per_s\tmb_per_s\n' > "$RESULTS"
COST="$WORK/backlog-cost.tsv"
printf 'broker\tround\tcpu_s\tpeak_rss_mb\tdisk_mb\n' > "$COST"

step() { echo "   [$(date -u +%H:%M:%S)] $*"; }
record() {  # broker round phase "records/s MB/s"
    step "$3: $4 (records/s MB/s)"
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" $4 >> "$RESULTS"
}

run_one() {  # broker round
    local broker=$1 round=$2 dir="$WORK/backlog-$1-$2" port; port=$(free_port)
    echo "== round $round: $broker on 127.0.0.1:$port"
    start_broker "$broker" "$dir" "$port"
    local pid=$BROKER_PID
    create_topic "$port" backlog "$PARTITIONS"
    step "writing the backlog: $BACKLOG records of $SIZE bytes, acks=$ACKS"
    record "$broker" "$round" "write backlog" "$(produce_perf "$port" backlog "$ACKS" "$BACKLOG" "$SIZE")"
    step "(a) ConsumerPerformance (consumer group) reading the $BACKLOG-record backlog"
    record "$broker" "$round" "(a) group reads backlog" "$(consumer_perf "$port" backlog "$BACKLOG")"
    step "(b) producing $MORE more records onto the backlog"
    record "$broker" "$round" "(b) produce onto backlog" "$(produce_perf "$port" backlog "$ACKS" "$MORE" "$SIZE")"
    local cpu rss disk; cpu=$(cpu_seconds "$pid"); rss=$(peak_rss_mb "$pid"); disk=$(disk_mb "$dir/data")
    step "broker cpu ${cpu} s, peak rss ${rss} MB, data dir ${disk} MB"
    printf '%s\t%s\t%s\t%s\t%s\n' "$broker" "$round" "$cpu" "$rss" "$disk" >> "$COST"
    stop_broker
    rm -rf "$dir/data"
}

for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then run_one kafka "$round"; run_one queue "$round"
    else run_one queue "$round"; run_one kafka "$round"; fi
done

medians "$RESULTS" "$COST" "$ROUNDS round(s), backlog $BACKLOG + $MORE records of $SIZE bytes, $PARTITIONS partitions, acks=$ACKS, loopback, $(nproc) cores"
echo "raw figures: $RESULTS, $COST; broker logs under $WORK/backlog-*"
