# Elasticsearch 9.x, one real node in its own JVM, without Docker. Sourced by bin/infra (after infra/lib/common.sh).
# The server comes from Maven Central and runs from a plain main (infra/elasticsearch-node); the node's home holds the
# transport-netty4 module and the project's plugin (infra/elasticsearch-plugin), which stands in for the distribution
# modules Central does not have (rest-root's GET /, analysis-common's english/arabic/ngram analysis).
# See infra/elasticsearch-node/README.md for the layout and what is not available locally.
: "${ELASTICSEARCH_PORT:=9200}" "${ELASTICSEARCH_TRANSPORT_PORT:=9300}" "${ELASTICSEARCH_HEAP:=512m}"
ELASTICSEARCH_DIR="$PIPELINE_HOME/elasticsearch"
ELASTICSEARCH_ES_HOME="$ELASTICSEARCH_DIR/home"
ELASTICSEARCH_MARKER="-Dpipeline.infra=elasticsearch"
ELASTICSEARCH_CLUSTER_NAME="compliance-local"

elasticsearch_target() { echo "$PIPELINE_ROOT/infra/elasticsearch-node/target"; }

# True when the two modules must be (re)built: an output is missing, or a pom/source is newer than the last build.
elasticsearch_build_needed() {
  local t stamp; t=$(elasticsearch_target); stamp="$t/.pipeline-build-stamp"
  [ -f "$stamp" ] || return 0
  compgen -G "$t/elasticsearch-node-*.jar" >/dev/null || return 0
  compgen -G "$t/lib/elasticsearch-[0-9]*.jar" >/dev/null || return 0
  compgen -G "$t/modules/transport-netty4/transport-netty4-*.jar" >/dev/null || return 0
  compgen -G "$t/plugins/compliance-local/elasticsearch-local-plugin-*.jar" >/dev/null || return 0
  [ -f "$t/modules/transport-netty4/plugin-descriptor.properties" ] || return 0
  [ -f "$t/plugins/compliance-local/plugin-descriptor.properties" ] || return 0
  [ -n "$(find "$PIPELINE_ROOT/pom.xml" \
              "$PIPELINE_ROOT/infra/elasticsearch-plugin/pom.xml" "$PIPELINE_ROOT/infra/elasticsearch-plugin/src/main" \
              "$PIPELINE_ROOT/infra/elasticsearch-node/pom.xml" "$PIPELINE_ROOT/infra/elasticsearch-node/src/main" \
              -newer "$stamp" -print -quit 2>/dev/null)" ]
}

elasticsearch_install() {
  local t home; t=$(elasticsearch_target); home="$ELASTICSEARCH_ES_HOME"
  require_jdk21
  if elasticsearch_build_needed; then
    log "elasticsearch: building infra/elasticsearch-plugin and infra/elasticsearch-node"
    # generated wholesale by the package phase: start clean so no jar of an older version lingers (jar hell)
    rm -rf "$t/lib" "$t/modules" "$t/plugins" "$t/.pipeline-build-stamp"
    mvnw -q -pl infra/elasticsearch-plugin,infra/elasticsearch-node -am install -DskipTests \
      || die "elasticsearch: build of infra/elasticsearch-plugin,infra/elasticsearch-node failed"
    touch "$t/.pipeline-build-stamp"
  fi

  local zstd; zstd="/usr/lib/$(uname -m)-linux-gnu/libzstd.so.1"
  if [ ! -e "$zstd" ]; then apt_install libzstd1; fi
  [ -e "$zstd" ] || die "elasticsearch: $zstd not found even after installing libzstd1"

  mkdir -p "$ELASTICSEARCH_DIR" "$home/config" "$home/data" "$home/logs" "$home/tmp" "$home/native" "$PIPELINE_HOME/logs"
  ln -sfn "$zstd" "$home/native/libzstd.so"   # es.nativelibs.path: without it best_compression fails shards
  [ -f "$home/config/elasticsearch.yml" ] || : > "$home/config/elasticsearch.yml"   # settings come from the launcher
  cat > "$home/config/log4j2.properties" <<'PROPS'
# Local node: one console stream, redirected by infra/components/elasticsearch.sh to .local/logs/elasticsearch.log.
status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
PROPS

  # lib/ (the node's class path), modules/transport-netty4, plugins/compliance-local: refreshed after each build,
  # never under a running node (it keeps its jars until restarted).
  if [ ! -f "$home/.assembled" ] || [ "$t/.pipeline-build-stamp" -nt "$home/.assembled" ]; then
    if pid_alive "$ELASTICSEARCH_DIR/pid" "$ELASTICSEARCH_MARKER"; then
      log "elasticsearch: new build installed on the next start (the running node keeps its jars: bin/infra down elasticsearch first)"
      return 0
    fi
    rm -rf "$home/lib" "$home/modules" "$home/plugins" "$home/.assembled"
    mkdir -p "$home/lib" "$home/modules/transport-netty4" "$home/plugins/compliance-local"
    cp "$t"/lib/*.jar "$t"/elasticsearch-node-*.jar "$home/lib/"
    cp "$t"/modules/transport-netty4/*.jar "$home/modules/transport-netty4/"
    # the server runs on the class path, not as a Java module: the module must be loaded non-modular too
    sed '/^modulename=/d' "$t/modules/transport-netty4/plugin-descriptor.properties" \
      > "$home/modules/transport-netty4/plugin-descriptor.properties"
    cp "$t"/plugins/compliance-local/*.jar "$t/plugins/compliance-local/plugin-descriptor.properties" \
      "$home/plugins/compliance-local/"
    touch "$home/.assembled"
  fi
}

# Green or yellow cluster health from our cluster (not some other Elasticsearch on the port).
elasticsearch_healthy() {
  local health
  health=$(curl -s --max-time 2 "http://127.0.0.1:$ELASTICSEARCH_PORT/_cluster/health" 2>/dev/null) || return 1
  printf '%s' "$health" | grep -q "\"cluster_name\":\"$ELASTICSEARCH_CLUSTER_NAME\"" || return 1
  printf '%s' "$health" | grep -Eq '"status":"(green|yellow)"'
}

# For wait_until: stop waiting once healthy, or once the started process has exited (gone or a zombie). Not
# pid_alive: right after the fork the child does not carry the marker yet (it has not exec'd java).
elasticsearch_up_or_dead() {
  local pid state
  elasticsearch_healthy && return 0
  pid=$(cat "$ELASTICSEARCH_DIR/pid" 2>/dev/null) && [ -n "$pid" ] || return 0
  state=$(ps -o stat= -p "$pid" 2>/dev/null) || return 0
  [ -z "$state" ] || [[ $state == Z* ]]
}

elasticsearch_start() {
  local log="$PIPELINE_HOME/logs/elasticsearch.log" home="$ELASTICSEARCH_ES_HOME"
  elasticsearch_healthy && return 0
  require_jdk21
  [ -f "$home/.assembled" ] || die "elasticsearch: not installed (elasticsearch_install assembles $home)"
  if ! pid_alive "$ELASTICSEARCH_DIR/pid" "$ELASTICSEARCH_MARKER"; then
    port_open "$ELASTICSEARCH_PORT" \
      && die "elasticsearch: port $ELASTICSEARCH_PORT is taken by another process (set ELASTICSEARCH_PORT)"
    port_open "$ELASTICSEARCH_TRANSPORT_PORT" \
      && die "elasticsearch: port $ELASTICSEARCH_TRANSPORT_PORT is taken by another process (set ELASTICSEARCH_TRANSPORT_PORT)"
    mkdir -p "$PIPELINE_HOME/logs" "$ELASTICSEARCH_DIR"
    mv -f "$log" "$log.1" 2>/dev/null || true
    nohup "$JAVA_HOME/bin/java" "$ELASTICSEARCH_MARKER" \
      -Xms"$ELASTICSEARCH_HEAP" -Xmx"$ELASTICSEARCH_HEAP" -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow \
      -Djava.io.tmpdir="$home/tmp" -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Djava.locale.providers=CLDR \
      -Dlog4j2.formatMsgNoLookups=true -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true \
      -Dio.netty.noUnsafe=true -Dio.netty.recycler.maxCapacityPerThread=0 \
      -Des.distribution.type=tar -Des.nativelibs.path="$home/native" \
      -Dorg.elasticsearch.nativeaccess.enableVectorLibrary=false \
      --enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector \
      -cp "$home/lib/*" org.compliancepipeline.infra.elasticsearch.LocalElasticsearchNode \
      --home="$home" --http-port="$ELASTICSEARCH_PORT" --transport-port="$ELASTICSEARCH_TRANSPORT_PORT" \
      >"$log" 2>&1 < /dev/null &
    echo $! > "$ELASTICSEARCH_DIR/pid"
  fi
  wait_until 90 elasticsearch_up_or_dead || true
  if ! elasticsearch_healthy; then
    tail -n 40 "$log" >&2
    if pid_alive "$ELASTICSEARCH_DIR/pid" "$ELASTICSEARCH_MARKER"; then
      log "elasticsearch: not healthy after 90 s; stopping it"
      elasticsearch_stop
    else
      rm -f "$ELASTICSEARCH_DIR/pid"
    fi
    die "elasticsearch: node did not become healthy (log: $log)"
  fi
}

elasticsearch_stop() { stop_pid "$ELASTICSEARCH_DIR/pid" "$ELASTICSEARCH_MARKER" 60; }
elasticsearch_endpoint() { echo "http://127.0.0.1:$ELASTICSEARCH_PORT"; }
elasticsearch_env() { echo "ELASTICSEARCH_URL=http://127.0.0.1:$ELASTICSEARCH_PORT"; }
