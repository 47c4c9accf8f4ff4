#!/usr/bin/env bash
# Produce/consume throughput of the bundled queue broker beside Apache Kafka 4.2.0 (KRaft, single node, loopback),
# same load for both, brokers run one after the other, ROUNDS times alternating; prints medians and ours/Kafka.
#
#   bench/queue/run.sh [--rounds N] [--records N] [--record-size BYTES]
#
# Load: kafka-tools' ProducerPerformance (acks=1 and acks=all, --throughput -1) into a 3-partition topic, then a
# consumer reading everything back: kafka-tools' ConsumerPerformance (needs consumer groups: Kafka only until the
# queue implements them, issue 4) and AssignedConsumerPerformance.java (plain consumer, assign(), both brokers).
# Broker cost: CPU seconds (utime+stime from /proc over the whole run) and peak RSS (VmHWM).
# Needs: JDK 17, Maven (resolves Kafka 4.2.0 from Maven Central on first run). Everything binds to 127.0.0.1.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ROUNDS=3
RECORDS=2000000
SIZE=200
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS=$2; shift 2 ;;
        --records) RECORDS=$2; shift 2 ;;
        --record-size) SIZE=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

WORK="$ROOT/var/bench/queue"
rm -rf "$WORK"; mkdir -p "$WORK"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
TICK=$(getconf CLK_TCK)

echo "== building the queue broker (mvn package) and resolving Apache Kafka 4.2.0"
mvn -B -ntp -q -f "$ROOT/pom.xml" -pl queue -am -DskipTests package
mvn -B -ntp -q -f "$HERE/pom.xml" dependency:build-classpath -Dmdep.outputFile="$WORK/kafka.cp" >/dev/null
KCP=$(cat "$WORK/kafka.cp")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cpu_seconds() { awk -v t="$TICK" '{printf "%.1f", ($14+$15)/t}' "/proc/$1/stat"; }
peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
wait_port() {
    for _ in $(seq 1 600); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "broker did not open port $1" >&2; return 1
}

start_kafka() {  # dir port -> sets PID
    local dir=$1 port=$2 cport; cport=$(free_port)
    mkdir -p "$dir/data"
    cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
    "$JAVA" -cp "$KCP" kafka.tools.StorageTool format -t "$("$JAVA" -cp "$KCP" kafka.tools.StorageTool random-uuid)" \
        -c "$dir/server.properties" > "$dir/format.log" 2>&1
    # kafka-server-start.sh's JVM flags.
    "$JAVA" -Xmx1G -Xms1G -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true -cp "$KCP" kafka.Kafka "$dir/server.properties" \
        > "$dir/broker.log" 2>&1 &
    PID=$!
}

start_queue() {  # dir port -> sets PID
    local dir=$1 port=$2
    mkdir -p "$dir/data"
    cat > "$dir/server.properties" <<PROPS
node.id=1
listeners=PLAINTEXT://127.0.0.1:$port
log.dirs=$dir/data
num.partitions=3
PROPS
    # bin/queue-server's JVM flags.
    "$JAVA" -Xms128m -Xmx512m -XX:+UseG1GC -cp "$ROOT/queue/target/queue.jar" io.logpipe.queue.QueueServer \
        "$dir/server.properties" > "$dir/broker.log" 2>&1 &
    PID=$!
}

# produce_perf port topic acks -> "records/s MB/s"
produce_perf() {
    "$JAVA" -Xmx512m -cp "$KCP" org.apache.kafka.tools.ProducerPerformance --topic "$2" --num-records "$RECORDS" \
        --record-size "$SIZE" --throughput -1 --producer-props bootstrap.servers=127.0.0.1:"$1" acks="$3" \
        2>/dev/null | tail -1 | sed -E 's/.* records sent, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\).*/\1 \2/'
}

consumer_perf() {  # port topic -> "records/s MB/s" or "failed"
    local out
    if out=$(timeout 300 "$JAVA" -Xmx512m -cp "$KCP" org.apache.kafka.tools.ConsumerPerformance \
            --bootstrap-server 127.0.0.1:"$1" --topic "$2" --messages "$RECORDS" --timeout 20000 2>/dev/null); then
        echo "$out" | tail -1 | awk -F', *' '{print $6, $4}'
    else
        echo "failed failed"
    fi
}

assigned_perf() {  # port topic
    timeout 300 "$JAVA" -Xmx512m -cp "$KCP" "$HERE/AssignedConsumerPerformance.java" 127.0.0.1:"$1" "$2" "$RECORDS" \
        2>/dev/null | tail -1 | sed -E 's/.* ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\).*/\1 \2/'
}

RESULTS="$WORK/results.tsv"
printf 'broker\tround\tphase\trecords_per_s\tmb_per_s\n' > "$RESULTS"
COST="$WORK/cost.tsv"
printf 'broker\tround\tcpu_s\tpeak_rss_mb\n' > "$COST"

run_one() {  # broker round
    local broker=$1 round=$2 dir="$WORK/$1-$2" port; port=$(free_port)
    echo "== round $round: $broker on 127.0.0.1:$port"
    "start_$broker" "$dir" "$port"
    local pid=$PID
    wait_port "$port"
    "$JAVA" -cp "$KCP" org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:"$port" --create \
        --topic bench-acks1 --partitions 3 --replication-factor 1 >/dev/null 2>&1
    "$JAVA" -cp "$KCP" org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:"$port" --create \
        --topic bench-acksall --partitions 3 --replication-factor 1 >/dev/null 2>&1
    local r
    r=$(produce_perf "$port" bench-acks1 1);   echo "   produce acks=1:   $r";   printf '%s\t%s\tproduce acks=1\t%s\t%s\n' "$broker" "$round" ${r} >> "$RESULTS"
    r=$(produce_perf "$port" bench-acksall all); echo "   produce acks=all: $r"; printf '%s\t%s\tproduce acks=all\t%s\t%s\n' "$broker" "$round" ${r} >> "$RESULTS"
    r=$(assigned_perf "$port" bench-acks1);    echo "   consume (assign): $r";  printf '%s\t%s\tconsume assign()\t%s\t%s\n' "$broker" "$round" ${r} >> "$RESULTS"
    r=$(consumer_perf "$port" bench-acksall);  echo "   ConsumerPerformance: $r"; printf '%s\t%s\tConsumerPerformance\t%s\t%s\n' "$broker" "$round" ${r} >> "$RESULTS"
    local cpu rss; cpu=$(cpu_seconds "$pid"); rss=$(peak_rss_mb "$pid")
    echo "   broker cpu ${cpu} s, peak rss ${rss} MB"
    printf '%s\t%s\t%s\t%s\n' "$broker" "$round" "$cpu" "$rss" >> "$COST"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$dir/data"
}

for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then run_one kafka "$round"; run_one queue "$round"
    else run_one queue "$round"; run_one kafka "$round"; fi
done

echo
echo "== medians over $ROUNDS round(s): $RECORDS records of $SIZE bytes, 3 partitions, loopback, $(nproc) cores"
python3 - "$RESULTS" "$COST" <<'PY'
import sys, statistics, csv
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
cost = list(csv.DictReader(open(sys.argv[2]), delimiter='\t'))
def med(values):
    nums = [float(v) for v in values if v not in ('failed', '', None)]
    return statistics.median(nums) if nums else None
def fmt(v, d=0):
    return 'n/a' if v is None else f'{v:,.{d}f}'
print(f"| {'phase':22} | {'Kafka rec/s':>12} | {'ours rec/s':>12} | {'Kafka MB/s':>10} | {'ours MB/s':>10} | {'ours/Kafka':>10} |")
print(f"|{'-'*24}|{'-'*14}|{'-'*14}|{'-'*12}|{'-'*12}|{'-'*12}|")
for phase in ['produce acks=1', 'produce acks=all', 'consume assign()', 'ConsumerPerformance']:
    k = [r for r in rows if r['broker'] == 'kafka' and r['phase'] == phase]
    q = [r for r in rows if r['broker'] == 'queue' and r['phase'] == phase]
    kr, qr = med(r['records_per_s'] for r in k), med(r['records_per_s'] for r in q)
    km, qm = med(r['mb_per_s'] for r in k), med(r['mb_per_s'] for r in q)
    ratio = 'n/a' if not kr or qr is None else f'{qr / kr:.2f}x'
    print(f"| {phase:22} | {fmt(kr):>12} | {fmt(qr):>12} | {fmt(km,1):>10} | {fmt(qm,1):>10} | {ratio:>10} |")
kc, qc = med(c['cpu_s'] for c in cost if c['broker'] == 'kafka'), med(c['cpu_s'] for c in cost if c['broker'] == 'queue')
km, qm = med(c['peak_rss_mb'] for c in cost if c['broker'] == 'kafka'), med(c['peak_rss_mb'] for c in cost if c['broker'] == 'queue')
print(f"| {'broker CPU s (run)':22} | {fmt(kc,1):>12} | {fmt(qc,1):>12} | {'':>10} | {'':>10} | {qc/kc:>9.2f}x |")
print(f"| {'broker peak RSS MB':22} | {fmt(km):>12} | {fmt(qm):>12} | {'':>10} | {'':>10} | {qm/km:>9.2f}x |")
PY
echo "raw figures: $RESULTS, $COST; broker logs under $WORK"
