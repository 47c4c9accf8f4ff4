# Shared by bench/queue/run.sh and bench/queue/backlog.sh (sourced, not run): building the queue broker, resolving
# Apache Kafka 4.2.0, starting either broker on 127.0.0.1 the same way, the kafka-tools perf tools and the
# broker cost probes. A trap stops the broker that is running when the script ends or is interrupted.
# SECURITY (set before sourcing; default plaintext): plaintext, or sasl_ssl for TLSv1.3 + SCRAM-SHA-512 on both
# brokers (setup_security, then every tool passes $CLIENT_PROPS through client_config).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK="$ROOT/var/bench/queue"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
TICK=$(getconf CLK_TCK)
BROKER_PID=
SECURITY=${SECURITY:-plaintext}
SETUP_PORT=
CLIENT_PROPS=

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
    local dir=$1 port=$2 cport logging=(); cport=$(free_port)
    mkdir -p "$dir/data"
    cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
$(client_listeners "$port"),CONTROLLER://127.0.0.1:$cport
$(advertised_listeners "$port")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=$dir/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
$(security_props)
PROPS
    # Kafka logs a completed SCRAM exchange at DEBUG only (without the user); once per connection, so it costs
    # nothing measurable and lets check_sasl_logins count Kafka's logins as it counts ours (INFO, with the user).
    [ "$SECURITY" = plaintext ] || \
        logging=(-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.security.scram.internals.ScramSaslServer=debug)
    "$JAVA" -cp "$KCP" kafka.tools.StorageTool format \
        --cluster-id="$("$JAVA" -cp "$KCP" kafka.tools.StorageTool random-uuid 2>/dev/null)" \
        -c "$dir/server.properties" > "$dir/format.log" 2>&1
    # kafka-server-start.sh's JVM flags.
    "$JAVA" -Xmx1G -Xms1G -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true "${logging[@]}" -cp "$KCP" kafka.Kafka "$dir/server.properties" \
        > "$dir/broker.log" 2>&1 &
    BROKER_PID=$!
}

start_queue() {  # dir port -> sets BROKER_PID
    local dir=$1 port=$2
    mkdir -p "$dir/data"
    cat > "$dir/server.properties" <<PROPS
node.id=1
$(client_listeners "$port")
$([ "$SECURITY" = plaintext ] || advertised_listeners "$port")
log.dirs=$dir/data
num.partitions=3
group.initial.rebalance.delay.ms=0
$(security_props)
PROPS
    # bin/queue-server's JVM flags.
    "$JAVA" -Xms128m -Xmx512m -XX:+UseG1GC -cp "$ROOT/queue/target/queue.jar" io.logpipe.queue.QueueServer \
        "$dir/server.properties" > "$dir/broker.log" 2>&1 &
    BROKER_PID=$!
}

start_broker() {  # kafka|queue dir port: starts it and waits until it accepts connections; with sasl_ssl also
    # the setup listener (SETUP_PORT), the SCRAM user, and the checks that the client port is really SASL_SSL
    [ "$SECURITY" = plaintext ] || SETUP_PORT=$(free_port)
    "start_$1" "$2" "$3"
    wait_port "$3"
    if [ "$SECURITY" != plaintext ]; then
        wait_port "$SETUP_PORT"
        add_scram_user
        check_sasl_ssl "$3"
    fi
}

create_topic() {  # port topic partitions
    "$JAVA" -cp "$KCP" org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:"$1" --create \
        $(client_config --command-config) --topic "$2" --partitions "$3" --replication-factor 1 >/dev/null 2>&1
}

# --- security (SECURITY=sasl_ssl) ---
# Both brokers get the same Kafka server.properties keys: clients on a SASL_SSL listener (TLSv1.3, the broker's
# PKCS12 keystore, SCRAM-SHA-512), a PLAINTEXT listener on another loopback port for creating the SCRAM user (and
# Kafka's inter-broker traffic). The perf tools, topic creation included, only ever see the SASL_SSL port.
TLS_PASSWORD=bench-tls-secret
SCRAM_USER=bench
SCRAM_PASSWORD=bench-scram-secret

client_listeners() {  # port -> the listeners= line (Kafka appends its CONTROLLER listener)
    if [ "$SECURITY" = plaintext ]; then echo "listeners=PLAINTEXT://127.0.0.1:$1"
    else echo "listeners=SASL_SSL://127.0.0.1:$1,PLAINTEXT://127.0.0.1:$SETUP_PORT"; fi
}
advertised_listeners() {  # port -> the advertised.listeners= line
    echo "advertised.$(client_listeners "$1")"
}

security_props() {  # the server.properties lines of SECURITY, the same for both brokers
    [ "$SECURITY" = plaintext ] && return 0
    cat <<PROPS
listener.name.sasl_ssl.ssl.keystore.location=$WORK/tls/broker.p12
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.password=$TLS_PASSWORD
listener.name.sasl_ssl.ssl.key.password=$TLS_PASSWORD
listener.name.sasl_ssl.ssl.enabled.protocols=TLSv1.3
listener.name.sasl_ssl.ssl.protocol=TLSv1.3
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
PROPS
}

client_config() {  # FLAG -> "FLAG client.properties" with sasl_ssl, nothing with plaintext
    [ "$SECURITY" = plaintext ] || echo "$1 $CLIENT_PROPS"
}

client_properties() {  # password -> a client properties file's text for the SASL_SSL listener
    cat <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$SCRAM_USER" password="$1";
ssl.truststore.location=$WORK/tls/truststore.p12
ssl.truststore.type=PKCS12
ssl.truststore.password=$TLS_PASSWORD
ssl.protocol=TLSv1.3
ssl.enabled.protocols=TLSv1.3
PROPS
}

setup_security() {  # once per run: a CA, the broker's certificate for 127.0.0.1/localhost, the client files
    case "$SECURITY" in
        plaintext) return 0 ;;
        sasl_ssl) ;;
        *) echo "unknown --security $SECURITY (plaintext or sasl_ssl)" >&2; exit 2 ;;
    esac
    local tls="$WORK/tls" keytool=${JAVA_HOME:+$JAVA_HOME/bin/}keytool
    echo "== security: SASL_SSL (TLSv1.3, SCRAM-SHA-512); a CA and the broker's certificate in $tls"
    rm -rf "$tls"; mkdir -p "$tls"
    (
        cd "$tls"
        "$keytool" -genkeypair -alias ca -keyalg RSA -keysize 2048 -validity 30 -dname "CN=bench CA" -ext bc:c \
            -keystore ca.p12 -storetype PKCS12 -storepass "$TLS_PASSWORD"
        "$keytool" -exportcert -rfc -alias ca -keystore ca.p12 -storepass "$TLS_PASSWORD" -file ca.crt
        "$keytool" -genkeypair -alias broker -keyalg RSA -keysize 2048 -validity 30 -dname "CN=localhost" \
            -keystore broker.p12 -storetype PKCS12 -storepass "$TLS_PASSWORD"
        "$keytool" -certreq -alias broker -keystore broker.p12 -storepass "$TLS_PASSWORD" -file broker.csr
        "$keytool" -gencert -rfc -alias ca -keystore ca.p12 -storepass "$TLS_PASSWORD" -validity 30 -infile broker.csr \
            -outfile broker.crt -ext SAN=ip:127.0.0.1,dns:localhost -ext KU=digitalSignature,keyEncipherment \
            -ext EKU=serverAuth
        "$keytool" -importcert -alias ca -file ca.crt -keystore broker.p12 -storepass "$TLS_PASSWORD" -noprompt
        "$keytool" -importcert -alias broker -file broker.crt -keystore broker.p12 -storepass "$TLS_PASSWORD" -noprompt
        "$keytool" -importcert -alias ca -file ca.crt -keystore truststore.p12 -storetype PKCS12 \
            -storepass "$TLS_PASSWORD" -noprompt
    ) > "$tls/keytool.log" 2>&1 || { echo "keytool failed, see $tls/keytool.log" >&2; exit 1; }
    CLIENT_PROPS="$tls/client.properties"
    client_properties "$SCRAM_PASSWORD" > "$CLIENT_PROPS"
    client_properties wrong-password > "$tls/wrong-password.properties"
    # a client that fails must fail fast: the checks below expect failures
    printf 'request.timeout.ms=3000\ndefault.api.timeout.ms=6000\n' | tee -a "$tls/wrong-password.properties" \
        > "$tls/plaintext.properties"
}

add_scram_user() {  # the same on both brokers: kafka-configs over the PLAINTEXT setup listener
    "$JAVA" -cp "$KCP" kafka.admin.ConfigCommand --bootstrap-server 127.0.0.1:"$SETUP_PORT" --alter \
        --add-config "SCRAM-SHA-512=[password=$SCRAM_PASSWORD]" --entity-type users --entity-name "$SCRAM_USER" \
        > "$WORK/scram-user.log" 2>&1 || { echo "creating the SCRAM user failed:" >&2; cat "$WORK/scram-user.log" >&2; exit 1; }
}

list_topics() {  # port config-file -> TopicCommand --list's exit code
    timeout 60 "$JAVA" -cp "$KCP" org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:"$1" \
        --command-config "$2" --list >/dev/null 2>&1
}

check_sasl_ssl() {  # port: the client port logs the bench user in and refuses a PLAINTEXT client and a wrong password
    local ok=
    # Kafka applies the new credential from its metadata log a moment after kafka-configs returns
    for _ in $(seq 1 30); do
        if list_topics "$1" "$CLIENT_PROPS"; then ok=1; break; fi
        sleep 0.5
    done
    [ -n "$ok" ] || { echo "user $SCRAM_USER cannot log in on SASL_SSL port $1" >&2; exit 1; }
    if list_topics "$1" "$WORK/tls/plaintext.properties"; then
        echo "port $1 answered a PLAINTEXT client: not benchmarking PLAINTEXT as SASL_SSL" >&2; exit 1
    fi
    if list_topics "$1" "$WORK/tls/wrong-password.properties"; then
        echo "port $1 accepted a wrong SCRAM password: not benchmarking without authentication" >&2; exit 1
    fi
    echo "   SASL_SSL on $1: user $SCRAM_USER logs in; a PLAINTEXT client and a wrong password are refused"
}

sasl_logins() {  # broker dir -> completed SCRAM-SHA-512 logins in its broker log
    local pattern='authenticated as User:'"$SCRAM_USER"' with SCRAM-SHA-512'
    [ "$1" = kafka ] && pattern='Setting SASL/SCRAM_SHA_512 server state to COMPLETE'
    grep -c "$pattern" "$2/broker.log" || true
}

# --foreground keeps the tools in the script's process group, so Ctrl-C reaches them (and then the trap).
# A tool gets 5 minutes plus a minute per million records before it counts as failed.
tool_timeout() { echo $((300 + $1 / 1000000 * 60)); }

# port topic acks records size -> "records/s MB/s" or "failed failed"; the tool's 5-second lines go to stderr
produce_perf() {  # port topic acks records size [compression] -> "records/s MB/s" or "failed failed"
    local out
    if out=$(timeout --foreground "$(tool_timeout "$4")" "$JAVA" -Xmx512m -cp "$KCP" org.apache.kafka.tools.ProducerPerformance \
            --topic "$2" --num-records "$4" --record-size "$5" --throughput -1 \
            --bootstrap-server 127.0.0.1:"$1" $(client_config --command-config) \
            --command-property acks="$3" compression.type="${6:-none}" 2>/dev/null \
            | tee >(sed -u 's/^/      progress: /' >&2)); then
        echo "$out" | tail -1 | sed -E 's/.* records sent, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\).*/\1 \2/'
    else
        echo "failed failed"
    fi
}

consumer_perf() {  # port topic records -> "records/s MB/s" or "failed failed"; joins a consumer group
    local out
    if out=$(timeout --foreground "$(tool_timeout "$3")" "$JAVA" -Xmx512m -cp "$KCP" org.apache.kafka.tools.ConsumerPerformance \
            --bootstrap-server 127.0.0.1:"$1" $(client_config --command-config) --topic "$2" --messages "$3" \
            --timeout 20000 2>/dev/null); then
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
