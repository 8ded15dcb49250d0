# Kafka 4.x broker, KRaft single node (broker + controller), in its own JVM. Sourced by bin/infra.
: "${KAFKA_PORT:=9092}" "${KAFKA_CONTROLLER_PORT:=9093}" "${KAFKA_HEAP:=512m}"
KAFKA_DIR="$PIPELINE_HOME/kafka"
KAFKA_MARKER="-Dpipeline.infra=kafka"

kafka_classpath_file() { echo "$PIPELINE_ROOT/infra/kafka-broker/target/classpath.txt"; }

kafka_install() {
  local cp; cp=$(kafka_classpath_file)
  if [ ! -s "$cp" ] || [ "$PIPELINE_ROOT/infra/kafka-broker/pom.xml" -nt "$cp" ] || [ "$PIPELINE_ROOT/pom.xml" -nt "$cp" ]; then
    log "kafka: resolving the broker classpath from Maven Central"
    mvnw -q -B -pl infra/kafka-broker generate-resources || die "kafka: could not resolve the broker classpath"
  fi
  mkdir -p "$KAFKA_DIR/data"
  cat > "$KAFKA_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=6
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
default.replication.factor=1
group.initial.rebalance.delay.ms=0
group.streams.initial.rebalance.delay.ms=0
log.retention.hours=168
log.segment.bytes=268435456
PROPS
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    local cluster_id
    cluster_id=$("$JAVA_HOME/bin/java" -cp "$(cat "$cp")" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
    [ -n "$cluster_id" ] || die "kafka: StorageTool random-uuid failed"
    "$JAVA_HOME/bin/java" -cp "$(cat "$cp")" -Dlog4j2.configurationFile="$PIPELINE_ROOT/infra/kafka-broker/log4j2.properties" \
      kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$KAFKA_DIR/server.properties" \
      >>"$PIPELINE_HOME/logs/kafka.log" 2>&1 || die "kafka: storage format failed; see $PIPELINE_HOME/logs/kafka.log"
  fi
}

kafka_healthy() {
  pid_alive "$KAFKA_DIR/pid" "$KAFKA_MARKER" && port_open "$KAFKA_PORT" && \
    grep -q "Kafka Server started" "$PIPELINE_HOME/logs/kafka.log" 2>/dev/null
}

kafka_start() {
  kafka_healthy && return 0
  port_open "$KAFKA_PORT" && die "kafka: port $KAFKA_PORT is taken by another process (set KAFKA_PORT)"
  mv -f "$PIPELINE_HOME/logs/kafka.log" "$PIPELINE_HOME/logs/kafka.log.1" 2>/dev/null || true
  nohup "$JAVA_HOME/bin/java" "$KAFKA_MARKER" -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC \
    --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$PIPELINE_ROOT/infra/kafka-broker/log4j2.properties" \
    -cp "$(cat "$(kafka_classpath_file)")" kafka.Kafka "$KAFKA_DIR/server.properties" \
    >"$PIPELINE_HOME/logs/kafka.log" 2>&1 < /dev/null &
  echo $! > "$KAFKA_DIR/pid"
  if ! wait_until 60 kafka_healthy; then
    tail -n 30 "$PIPELINE_HOME/logs/kafka.log" >&2
    die "kafka: broker did not become ready in 60 s (log: $PIPELINE_HOME/logs/kafka.log)"
  fi
}

kafka_stop() { stop_pid "$KAFKA_DIR/pid" "$KAFKA_MARKER" 60; }
kafka_endpoint() { echo "127.0.0.1:$KAFKA_PORT"; }
kafka_env() { echo "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT"; }
