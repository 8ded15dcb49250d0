# Shared shell functions for bin/ scripts and infra components. Source it; do not run it.
# Everything a script starts lives under $PIPELINE_HOME (default: <repo>/.local), which git ignores.

PIPELINE_ROOT="${PIPELINE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
PIPELINE_HOME="${PIPELINE_HOME:-$PIPELINE_ROOT/.local}"
export PIPELINE_ROOT PIPELINE_HOME

log()  { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# Prints the major version of a java binary, or nothing.
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

# Finds a JDK >= 21 (JAVA_HOME first, then /usr/lib/jvm/*, newest first) and exports JAVA_HOME.
require_jdk21() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidate="${candidate%/}"
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  die "no JDK >= 21 found (looked at JAVA_HOME='${JAVA_HOME:-}' and /usr/lib/jvm/*).
  This project builds with Java 21 bytecode and Elasticsearch 9 needs Java 21+.
  Install one (e.g. a Temurin 21 or 25 JDK under /usr/lib/jvm) or point JAVA_HOME at it."
}

# Runs the pinned Maven Wrapper with the JDK found above; builds are serialised by a lock
# so two scripts never compile at once on a small machine.
mvnw() {
  require_jdk21
  mkdir -p "$PIPELINE_HOME"
  if [ -n "${PIPELINE_BUILD_LOCK_HELD:-}" ]; then
    "$PIPELINE_ROOT/mvnw" -f "$PIPELINE_ROOT/pom.xml" "$@"
  else
    PIPELINE_BUILD_LOCK_HELD=1 flock "$PIPELINE_HOME/.build.lock" "$PIPELINE_ROOT/mvnw" -f "$PIPELINE_ROOT/pom.xml" "$@"
  fi
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits until "$@" succeeds or $1 seconds pass.
wait_until() {
  local timeout=$1; shift
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.3
  done
}

# PID files: <component dir>/pid holds the PID; the process must still carry our marker in its
# command line (so a recycled PID of an unrelated process is never signalled).
pid_alive() { # pidfile marker
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1")
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"
}

stop_pid() { # pidfile marker [timeout-seconds]
  local pidfile=$1 marker=$2 timeout=${3:-30} pid
  if pid_alive "$pidfile" "$marker"; then
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_until "$timeout" eval "! [ -d /proc/$pid ]"; then
      log "pid $pid did not stop in ${timeout}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_until 10 eval "! [ -d /proc/$pid ]" || true
    fi
  fi
  rm -f "$pidfile"
}

# apt-get install without letting Debian's maintainer scripts start system-wide services
# (their default ports would collide with ours).
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand"
  [ "$(id -u)" = 0 ] || die "installing $* needs root (apt-get); run as root or install it first"
  local policy=/usr/sbin/policy-rc.d created=0
  if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' > $policy; chmod +x $policy; created=1; fi
  log "apt-get install $*"
  if ! { apt-get install -y -q --no-install-recommends "$@" >"$PIPELINE_HOME/apt.log" 2>&1 \
       || { apt-get update -q >>"$PIPELINE_HOME/apt.log" 2>&1 && \
            apt-get install -y -q --no-install-recommends "$@" >>"$PIPELINE_HOME/apt.log" 2>&1; }; }; then
    [ $created = 1 ] && rm -f $policy
    die "apt-get install $* failed; see $PIPELINE_HOME/apt.log"
  fi
  [ $created = 1 ] && rm -f $policy
  return 0
}

# A random secret, generated once per install and kept in the git-ignored home.
local_secret() { # name
  local f="$PIPELINE_HOME/secrets/$1"
  if [ ! -s "$f" ]; then
    mkdir -p "$PIPELINE_HOME/secrets"; chmod 700 "$PIPELINE_HOME/secrets"
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$f"; chmod 600 "$f"
  fi
  cat "$f"
}
