#!/usr/bin/env bash
# Produce/consume throughput of the bundled queue broker beside Apache Kafka 4.2.0 (KRaft, single node, loopback),
# same load for both, brokers run one after the other, ROUNDS times alternating; prints medians and ours/Kafka.
#
#   bench/queue/run.sh [--rounds N] [--records N] [--record-size BYTES] [--transaction-duration-ms MS]
#                      [--security plaintext|sasl_ssl]
#
# Load: kafka-tools' ProducerPerformance (acks=1 and acks=all, --throughput -1) into a 3-partition topic, then a
# consumer reading everything back: kafka-tools' ConsumerPerformance (joins a consumer group) and
# AssignedConsumerPerformance.java (plain consumer, assign(), no group). Broker cost: CPU seconds (utime+stime from
# /proc over the whole run) and peak RSS (VmHWM). A transactional phase: ProducerPerformance with --transactional-id,
# one transaction per --transaction-duration-ms (default 100) of records, acks=all (what transactions imply), then
# that topic read back by AssignedConsumerPerformance.java with isolation.level=read_committed.
# --security sasl_ssl (default plaintext): both brokers get the same server.properties keys, a SASL_SSL listener
# (TLSv1.3, a CA and a certificate for 127.0.0.1 made with keytool per run, SCRAM-SHA-512, user bench created with
# kafka-configs over a PLAINTEXT setup listener) that every tool uses; the run stops if that port answers a
# PLAINTEXT client or a wrong password, and counts each broker's SCRAM logins. Reading a large backlog: backlog.sh.
# Needs: JDK 17, Maven (resolves Kafka 4.2.0 from Maven Central on first run). Everything binds to 127.0.0.1.
set -euo pipefail
ROUNDS=3
RECORDS=2000000
SIZE=200
TRANSACTION_MS=100
SECURITY=plaintext
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS=$2; shift 2 ;;
        --records) RECORDS=$2; shift 2 ;;
        --record-size) SIZE=$2; shift 2 ;;
        --transaction-duration-ms) TRANSACTION_MS=$2; shift 2 ;;
        --security) SECURITY=$2; shift 2 ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
source "$(dirname "$0")/lib.sh"

build_brokers
setup_security
rm -rf "$WORK"/run-*
RESULTS="$WORK/results.tsv"
printf 'broker\tround\tphase\trecords_per_s\tmb_per_s\n' > "$RESULTS"
COST="$WORK/cost.tsv"
printf 'broker\tround\tcpu_s\tpeak_rss_mb\n' > "$COST"

assigned_perf() {  # port topic
    timeout --foreground "$(tool_timeout "$RECORDS")" "$JAVA" -Xmx512m -cp "$KCP" "$HERE/AssignedConsumerPerformance.java" \
        127.0.0.1:"$1" "$2" "$RECORDS" ${CLIENT_PROPS:+"$CLIENT_PROPS"} 2>/dev/null | tail -1 \
        | sed -E 's/.* ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\).*/\1 \2/'
}

read_committed_perf() {  # port topic: assign() with isolation.level=read_committed, over the security mode's client props
    local props="$WORK/read-committed.properties"
    { if [ -n "$CLIENT_PROPS" ]; then cat "$CLIENT_PROPS"; fi; echo "isolation.level=read_committed"; } > "$props"
    timeout --foreground "$(tool_timeout "$RECORDS")" "$JAVA" -Xmx512m -cp "$KCP" "$HERE/AssignedConsumerPerformance.java" \
        127.0.0.1:"$1" "$2" "$RECORDS" "$props" 2>/dev/null | tail -1 \
        | sed -E 's/.* ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\).*/\1 \2/'
}

transactional_perf() {  # port topic -> "records/s MB/s" or "failed failed"
    local out
    if out=$(timeout --foreground "$(tool_timeout "$RECORDS")" "$JAVA" -Xmx512m -cp "$KCP" org.apache.kafka.tools.ProducerPerformance \
            --topic "$2" --num-records "$RECORDS" --record-size "$SIZE" --throughput -1 \
            --bootstrap-server 127.0.0.1:"$1" $(client_config --command-config) --transactional-id "bench-txn-$2" \
            --transaction-duration-ms "$TRANSACTION_MS" 2>/dev/null \
            | tee >(sed -u 's/^/      progress: /' >&2)); then
        echo "$out" | tail -1 | sed -E 's/.* records sent, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\).*/\1 \2/'
    else
        echo "failed failed"
    fi
}

record() {  # broker round phase "records/s MB/s"
    echo "   $3: $4"
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" $4 >> "$RESULTS"
}

run_one() {  # broker round
    local broker=$1 round=$2 dir="$WORK/run-$1-$2" port; port=$(free_port)
    echo "== round $round: $broker on 127.0.0.1:$port"
    start_broker "$broker" "$dir" "$port"
    local pid=$BROKER_PID
    create_topic "$port" bench-acks1 3
    create_topic "$port" bench-acksall 3
    create_topic "$port" bench-lz4 3
    create_topic "$port" bench-txn 3
    record "$broker" "$round" "produce acks=1" "$(produce_perf "$port" bench-acks1 1 "$RECORDS" "$SIZE")"
    record "$broker" "$round" "produce acks=all" "$(produce_perf "$port" bench-acksall all "$RECORDS" "$SIZE")"
    # both brokers decompress every compressed batch to validate its records (Kafka's LogValidator, our
    # BatchValidator): this phase prices that, the uncompressed ones price the per-record decoding
    record "$broker" "$round" "produce acks=1 lz4" "$(produce_perf "$port" bench-lz4 1 "$RECORDS" "$SIZE" lz4)"
    record "$broker" "$round" "produce transactional" "$(transactional_perf "$port" bench-txn)"
    record "$broker" "$round" "consume assign()" "$(assigned_perf "$port" bench-acks1)"
    # the transactional topic read as read_committed consumers read it: only committed records, markers skipped
    record "$broker" "$round" "consume read_committed" "$(read_committed_perf "$port" bench-txn)"
    record "$broker" "$round" "ConsumerPerformance" "$(consumer_perf "$port" bench-acksall "$RECORDS")"
    local cpu rss; cpu=$(cpu_seconds "$pid"); rss=$(peak_rss_mb "$pid")
    echo "   broker cpu ${cpu} s, peak rss ${rss} MB"
    if [ "$SECURITY" != plaintext ]; then
        # the 4 topic creations and 6 phases each log in at least once (a producer twice: bootstrap, then the
        # leader): fewer logins than that means some tool did not go through SASL_SSL
        local logins; logins=$(sasl_logins "$broker" "$dir")
        echo "   SCRAM-SHA-512 logins in the broker log: $logins"
        [ "$logins" -ge 10 ] || { echo "$logins SCRAM logins for 10 tool runs: not all over SASL_SSL" >&2; exit 1; }
    fi
    printf '%s\t%s\t%s\t%s\n' "$broker" "$round" "$cpu" "$rss" >> "$COST"
    stop_broker
    rm -rf "$dir/data"
}

for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then run_one kafka "$round"; run_one queue "$round"
    else run_one queue "$round"; run_one kafka "$round"; fi
done

medians "$RESULTS" "$COST" "$(echo "$SECURITY" | tr a-z A-Z), $ROUNDS round(s), $RECORDS records of $SIZE bytes, 3 partitions, loopback, $(nproc) cores"
echo "raw figures: $RESULTS, $COST; broker logs under $WORK/run-*"
