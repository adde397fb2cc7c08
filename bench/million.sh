#!/usr/bin/env bash
# bench/million.sh: is userpoold flat from 1,000 to 1,000,000 users? For each
# pool size it loads a fresh pool with bench/million (the storage layer's
# bulk path) and starts userpoold on it at its defaults; then it measures
# the servers interleaved: GetUser, AdminGetUser, USER_PASSWORD_AUTH,
# ListUsers with each filterable attribute (= and ^=) and a full paginated
# walk (server CPU per request, from /proc), and prints the table with the
# ratio of the largest pool to the smallest, the bytes on disk per user and
# each server's RSS.
#
#   bench/million.sh                      # 1,000 and 1,000,000 users on SQLite
#   SIZES="1000 100000" bench/million.sh
#   MILLION_PG='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' bench/million.sh
#
# Environment: SIZES (pool sizes, default "1000 1000000"); MILLION_PG (run on
# PostgreSQL: each size gets a schema of its own in that database, dropped at
# the end; needs psql); MEASURE_ARGS (more bench/million measure flags, e.g.
# "-n 1500 -walk 2000"); TMPDIR (where the SQLite databases go: 1M users take
# about 1 GB). The 1M load takes minutes and the run is disk- and CPU-heavy:
# it is not part of go test. Run it with nice on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d "${TMPDIR:-/tmp}/userpoold-million.XXXXXX")
pids=()
schemas=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for s in "${schemas[@]}"; do psql "$MILLION_PG" -qc "DROP SCHEMA $s CASCADE" >/dev/null 2>&1 || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "million.sh: no free port" >&2; exit 1
}

echo "== building userpoold and bench/million"
go build -o "$tmp/userpoold" ./cmd/userpoold
go build -o "$tmp/million" ./bench/million
key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "== machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1), load average $(cut -d' ' -f1-3 /proc/loadavg)"

endpoints=(); spids=(); datas=()
for n in ${SIZES:-1000 1000000}; do
  data="$tmp/data-$n"
  mkdir -p "$data"
  db_args=()
  storage=sqlite
  if [ -n "${MILLION_PG:-}" ]; then
    schema="million_${n}_$$"
    psql "$MILLION_PG" -qc "CREATE SCHEMA $schema" >/dev/null
    schemas+=("$schema")
    sep='?'; case "$MILLION_PG" in *\?*) sep='&' ;; esac
    db_args=(-db "${MILLION_PG}${sep}search_path=$schema")
    storage=postgres
  fi
  echo "== $n users on $storage: loading (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  "$tmp/million" load -data "$data" -master-key "$key" -users "$n" "${db_args[@]}"
  port=$(free_port)
  up_args=(--addr "127.0.0.1:$port" --data "$data" --master-key "$key" --log-level warn)
  if [ -n "${MILLION_PG:-}" ]; then up_args+=(--db "${db_args[1]}" --single-node); fi
  "$tmp/userpoold" "${up_args[@]}" >"$tmp/userpoold-$n.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  up=0
  for _ in $(seq 1 3000); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health" || true)" = 200 ]; then up=1; break; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [ "$up" != 1 ]; then
    echo "million.sh: userpoold on $n users did not come up; its log:" >&2
    tail -n 30 "$tmp/userpoold-$n.log" >&2
    exit 1
  fi
  endpoints+=("http://127.0.0.1:$port"); spids+=("$pid"); datas+=("$data")
done
echo "== measuring, interleaved (load average $(cut -d' ' -f1-3 /proc/loadavg))"
# shellcheck disable=SC2206 # MEASURE_ARGS is a list of flags
extra=(${MEASURE_ARGS:-})
join() { local IFS=,; echo "$*"; }
"$tmp/million" measure -endpoint "$(join "${endpoints[@]}")" -pid "$(join "${spids[@]}")" -data "$(join "${datas[@]}")" "${extra[@]}"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
