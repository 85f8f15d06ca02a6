# Throwaway PostgreSQL and Redis for the tests, from Debian's packages. Source this file, then
# call start_postgres / start_redis; both stop on exit, also when the tests fail.
# Exports TEST_POSTGRES_URL and TEST_REDIS_URL. PG_OPTIONS adds server settings ("-c name=value ...").

_cleanups=()
_cleanup() { local c; for c in "${_cleanups[@]}"; do eval "$c" || true; done; }
trap _cleanup EXIT

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {  # install Debian packages that are missing
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]} from Debian..."
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_postgres() {
  local bin dir port run=()
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  dir=$(mktemp -d /tmp/wizard-pg.XXXXXX)
  port=$(free_port)
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; run=(runuser -u postgres --); fi
  "${run[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >/dev/null
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -w -l "$dir/log" \
    -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 ${PG_OPTIONS:-}" \
    start >/dev/null
  _cleanups+=("${run[*]} $bin/pg_ctl -D $dir/data -m fast stop >/dev/null; rm -rf $dir")
  export TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL for the tests on 127.0.0.1:$port"
}

start_redis() {
  local port dir
  port=$(free_port)
  dir=$(mktemp -d /tmp/wizard-redis.XXXXXX)
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$dir/pid" --logfile "$dir/log" --dir "$dir"
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  _cleanups+=("redis-cli -p $port shutdown nosave >/dev/null 2>&1; rm -rf $dir")
  export TEST_REDIS_URL="redis://127.0.0.1:$port/0"
  echo "Redis for the tests on 127.0.0.1:$port"
}
