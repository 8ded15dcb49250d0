# Redis (Debian's redis-server), one instance of our own with AOF persistence. Sourced by bin/infra.
: "${REDIS_PORT:=6379}"
REDIS_DIR="$PIPELINE_HOME/redis"
REDIS_MARKER="127.0.0.1:$REDIS_PORT"

redis_install() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || apt_install redis-server redis-tools
  command -v redis-server >/dev/null || die "redis: redis-server not found after install"
  mkdir -p "$REDIS_DIR/data"
  umask 077
  cat > "$REDIS_DIR/redis.conf" <<CONF
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize yes
pidfile $REDIS_DIR/pid
logfile $PIPELINE_HOME/logs/redis.log
dir $REDIS_DIR/data
requirepass $(local_secret redis)
appendonly yes
appendfsync everysec
save ""
maxmemory-policy noeviction
CONF
  umask 022
}

redis_cli() { REDISCLI_AUTH=$(local_secret redis) redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

redis_healthy() {
  pid_alive "$REDIS_DIR/pid" "$REDIS_MARKER" && [ "$(redis_cli ping 2>/dev/null)" = "PONG" ]
}

redis_start() {
  redis_healthy && return 0
  port_open "$REDIS_PORT" && die "redis: port $REDIS_PORT is taken by another process (set REDIS_PORT)"
  redis-server "$REDIS_DIR/redis.conf" || die "redis: failed to start (log: $PIPELINE_HOME/logs/redis.log)"
  wait_until 20 redis_healthy || { tail -n 20 "$PIPELINE_HOME/logs/redis.log" >&2; die "redis: not ready after 20 s"; }
}

redis_stop() { stop_pid "$REDIS_DIR/pid" "$REDIS_MARKER" 30; }
redis_endpoint() { echo "redis://127.0.0.1:$REDIS_PORT"; }
redis_env() {
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
  echo "REDIS_PASSWORD=$(local_secret redis)"
}
