# Shared by bench/queue/run.sh and bench/queue/backlog.sh (sourced, not run): building the queue broker, resolving
# Apache Kafka 4.2.0, starting either broker on 127.0.0.1 the same way, the kafka-tools perf tools and the
# broker cost probes. A trap stops the broker that is running when the script ends or is interrupted.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK="$ROOT/var/bench/queue"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
TICK=$(getconf CLK_TCK)
BROKER_PID=

stop_broker() {  # stops the running broker (SIGTERM, then SIGKILL after 60 s) and waits for it
    local pid=$BROKER_PID
    [ -n "$pid" ] || return 0
    BROKER_PID=
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 600); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
on_exit() {
    if [ -n "$BROKER_PID" ]; then
        echo "== stopping broker pid $BROKER_PID" >&2
        stop_broker
    fi
}
trap on_exit EXIT
trap 'echo "== interrupted" >&2; exit 130' INT TERM

build_brokers() {  # builds queue/target/queue.jar, resolves Kafka 4.2.0 -> sets KCP
    mkdir -p "$WORK"
    echo "== building the queue broker (mvn package) and resolving Apache Kafka 4.2.0"
    mvn -B -ntp -q -f "$ROOT/pom.xml" -pl queue -am -DskipTests package
    mvn -B -ntp -q -f "$HERE/pom.xml" dependency:build-classpath -Dmdep.outputFile="$WORK/kafka.cp" >/dev/null
    KCP=$(cat "$WORK/kafka.cp")
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cpu_seconds() { awk -v t="$TICK" '{printf "%.1f", ($14+$15)/t}' "/proc/$1/stat"; }
peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
disk_mb() { du -sm "$1" | cut -f1; }
wait_port() {
    for _ in $(seq 1 600); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "broker did not open port $1" >&2; return 1
}

start_kafka() {  # dir port -> sets BROKER_PID
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
    "$JAVA" -cp "$KCP" kafka.tools.StorageTool format \
        --cluster-id="$("$JAVA" -cp "$KCP" kafka.tools.StorageTool random-uuid 2>/dev/null)" \
        -c "$dir/server.properties" > "$dir/format.log" 2>&1
    # kafka-server-start.sh's JVM flags.
    "$JAVA" -Xmx1G -Xms1G -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true -cp "$KCP" kafka.Kafka "$dir/server.properties" \
        > "$dir/broker.log" 2>&1 &
    BROKER_PID=$!
}

start_queue() {  # dir port -> sets BROKER_PID
    local dir=$1 port=$2
    mkdir -p "$dir/data"
    cat > "$dir/server.properties" <<PROPS
node.id=1
listeners=PLAINTEXT://127.0.0.1:$port
log.dirs=$dir/data
num.partitions=3
group.initial.rebalance.delay.ms=0
PROPS
    # bin/queue-server's JVM flags.
    "$JAVA" -Xms128m -Xmx512m -XX:+UseG1GC -cp "$ROOT/queue/target/queue.jar" io.logpipe.queue.QueueServer \
        "$dir/server.properties" > "$dir/broker.log" 2>&1 &
    BROKER_PID=$!
}

start_broker() {  # kafka|queue dir port: starts it and waits until it accepts connections
    "start_$1" "$2" "$3"
    wait_port "$3"
}

create_topic() {  # port topic partitions
    "$JAVA" -cp "$KCP" org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:"$1" --create \
        --topic "$2" --partitions "$3" --replication-factor 1 >/dev/null 2>&1
}

# --foreground keeps the tools in the script's process group, so Ctrl-C reaches them (and then the trap).
# A tool gets 5 minutes plus a minute per million records before it counts as failed.
tool_timeout() { echo $((300 + $1 / 1000000 * 60)); }

# port topic acks records size -> "records/s MB/s" or "failed failed"; the tool's 5-second lines go to stderr
produce_perf() {  # port topic acks records size [compression] -> "records/s MB/s" or "failed failed"
    local out
    if out=$(timeout --foreground "$(tool_timeout "$4")" "$JAVA" -Xmx512m -cp "$KCP" org.apache.kafka.tools.ProducerPerformance \
            --topic "$2" --num-records "$4" --record-size "$5" --throughput -1 \
            --bootstrap-server 127.0.0.1:"$1" --command-property acks="$3" compression.type="${6:-none}" 2>/dev/null \
            | tee >(sed -u 's/^/      progress: /' >&2)); then
        echo "$out" | tail -1 | sed -E 's/.* records sent, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\).*/\1 \2/'
    else
        echo "failed failed"
    fi
}

consumer_perf() {  # port topic records -> "records/s MB/s" or "failed failed"; joins a consumer group
    local out
    if out=$(timeout --foreground "$(tool_timeout "$3")" "$JAVA" -Xmx512m -cp "$KCP" org.apache.kafka.tools.ConsumerPerformance \
            --bootstrap-server 127.0.0.1:"$1" --topic "$2" --messages "$3" --timeout 20000 2>/dev/null); then
        echo "$out" | tail -1 | awk -F', *' '{print $6, $4}'
    else
        echo "failed failed"
    fi
}

medians() {  # results.tsv cost.tsv "title": medians per phase (in order of appearance) and ours/Kafka
    echo
    echo "== medians: $3"
    python3 - "$1" "$2" <<'PY'
import sys, statistics, csv
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
cost = list(csv.DictReader(open(sys.argv[2]), delimiter='\t'))
def med(values):
    nums = [float(v) for v in values if v not in ('failed', '', None)]
    return statistics.median(nums) if nums else None
def fmt(v, d=0):
    return 'n/a' if v is None else f'{v:,.{d}f}'
def ratio(ours, kafka):
    return 'n/a' if not kafka or ours is None else f'{ours / kafka:.2f}x'
phases = list(dict.fromkeys(r['phase'] for r in rows))
width = max([22] + [len(p) for p in phases])
print(f"| {'phase':{width}} | {'Kafka rec/s':>12} | {'ours rec/s':>12} | {'Kafka MB/s':>10} | {'ours MB/s':>10} | {'ours/Kafka':>10} |")
print(f"|{'-'*(width+2)}|{'-'*14}|{'-'*14}|{'-'*12}|{'-'*12}|{'-'*12}|")
for phase in phases:
    k = [r for r in rows if r['broker'] == 'kafka' and r['phase'] == phase]
    q = [r for r in rows if r['broker'] == 'queue' and r['phase'] == phase]
    kr, qr = med(r['records_per_s'] for r in k), med(r['records_per_s'] for r in q)
    km, qm = med(r['mb_per_s'] for r in k), med(r['mb_per_s'] for r in q)
    print(f"| {phase:{width}} | {fmt(kr):>12} | {fmt(qr):>12} | {fmt(km,1):>10} | {fmt(qm,1):>10} | {ratio(qr, kr):>10} |")
labels = {'cpu_s': ('broker CPU s (run)', 1), 'peak_rss_mb': ('broker peak RSS MB', 0), 'disk_mb': ('data on disk MB', 0)}
for column in [c for c in (cost[0].keys() if cost else []) if c not in ('broker', 'round')]:
    label, digits = labels.get(column, (column, 1))
    kc = med(c[column] for c in cost if c['broker'] == 'kafka')
    qc = med(c[column] for c in cost if c['broker'] == 'queue')
    print(f"| {label:{width}} | {fmt(kc,digits):>12} | {fmt(qc,digits):>12} | {'':>10} | {'':>10} | {ratio(qc, kc):>10} |")
PY
}
