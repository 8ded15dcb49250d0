# PostgreSQL (Debian's packages; >= 15), one cluster of our own under $PIPELINE_HOME. Sourced by bin/infra.
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` system user.
: "${POSTGRES_PORT:=5432}" "${POSTGRES_DB:=compliance}" "${POSTGRES_USER:=pipeline}"
PG_DIR="$PIPELINE_HOME/postgres"

pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

pg_as_owner() { # runs a command as the cluster's owner
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

postgres_install() {
  pg_bindir >/dev/null || apt_install postgresql
  pg_bindir >/dev/null || die "postgres: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
  local bin; bin=$(pg_bindir)
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres || die "postgres: could not create the postgres user"
  fi
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    log "postgres: initdb in $PG_DIR/data"
    mkdir -p "$PG_DIR/data" "$PG_DIR/run"
    local pwfile="$PG_DIR/.pwfile"
    local_secret postgres > "$pwfile"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$PG_DIR"
    chmod 700 "$PG_DIR/data"
    pg_as_owner "$bin/initdb" -D "$PG_DIR/data" -U "$POSTGRES_USER" --pwfile="$pwfile" \
      -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PIPELINE_HOME/logs/postgres-initdb.log" 2>&1 \
      || { rm -f "$pwfile"; die "postgres: initdb failed; see $PIPELINE_HOME/logs/postgres-initdb.log"; }
    rm -f "$pwfile"
  fi
  # Settings are rewritten on every install so port changes take effect.
  cat > "$PG_DIR/postgresql.pipeline.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $POSTGRES_PORT
unix_socket_directories = '$PG_DIR/run'
max_connections = 200
shared_buffers = 512MB
work_mem = 16MB
maintenance_work_mem = 128MB
wal_buffers = 16MB
max_wal_size = 2GB
checkpoint_timeout = 10min
logging_collector = off
log_min_messages = warning
CONF
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR/postgresql.pipeline.conf"
  grep -q "postgresql.pipeline.conf" "$PG_DIR/data/postgresql.conf" || \
    echo "include '$PG_DIR/postgresql.pipeline.conf'" >> "$PG_DIR/data/postgresql.conf"
}

postgres_healthy() {
  local bin; bin=$(pg_bindir) || return 1
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT" -d postgres >/dev/null 2>&1 && \
    [ -f "$PG_DIR/data/postmaster.pid" ]
}

postgres_start() {
  local bin; bin=$(pg_bindir)
  if ! postgres_healthy; then
    port_open "$POSTGRES_PORT" && die "postgres: port $POSTGRES_PORT is taken by another process (set POSTGRES_PORT)"
    # The server writes its own log (as its owner); logs/postgres.log links to it.
    ln -sfn "$PG_DIR/server.log" "$PIPELINE_HOME/logs/postgres.log"
    pg_as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null \
      || { tail -n 20 "$PG_DIR/server.log" >&2; die "postgres: did not start (log: $PG_DIR/server.log)"; }
  fi
  wait_until 30 postgres_healthy || die "postgres: not ready after 30 s"
  head -1 "$PG_DIR/data/postmaster.pid" > "$PG_DIR/pid"
  # The application database, created once.
  PGPASSWORD=$(local_secret postgres) "$bin/psql" -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres -tAq \
    -c "SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DB'" | grep -q 1 || \
  PGPASSWORD=$(local_secret postgres) "$bin/psql" -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres -q \
    -c "CREATE DATABASE \"$POSTGRES_DB\"" || die "postgres: could not create database $POSTGRES_DB"
}

postgres_stop() {
  local bin; bin=$(pg_bindir) || return 0
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    pg_as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  rm -f "$PG_DIR/pid"
}

postgres_endpoint() { echo "postgresql://127.0.0.1:$POSTGRES_PORT/$POSTGRES_DB"; }
postgres_env() {
  echo "POSTGRES_URL=jdbc:postgresql://127.0.0.1:$POSTGRES_PORT/$POSTGRES_DB"
  echo "POSTGRES_USER=$POSTGRES_USER"
  echo "POSTGRES_PASSWORD=$(local_secret postgres)"
}
