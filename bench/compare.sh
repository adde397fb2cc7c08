#!/usr/bin/env bash
# bench/compare.sh measures userpoold, the do-nothing floor (bench/floor) and
# cognito-local in one run, with the same client (aws-sdk-go-v2, through
# bench/loadgen) and the same workers, and prints each server's throughput
# per scenario and userpoold / floor and cognito-local / floor, the ratios that
# stay put when the shared machine's load moves. Runs are interleaved: for
# each scenario, round 1 measures A B C, round 2 B C A, ...
#
#   bench/compare.sh                          # 3 rounds of 5 s per scenario and server
#   bench/compare.sh -d 2s -warmup 500ms -rounds 1 -op GetUser,AdminGetUser
#
# Flags (passed to loadgen): -d, -warmup, -rounds, -c, -op; --no-cognito-local
# leaves cognito-local out. Environment:
#   USERPOOLD_DB       run userpoold on this database (a postgres:// DSN; the
#                      pools it creates stay there) instead of SQLite in a
#                      temporary directory
#   USERPOOLD_ARGS     more userpoold flags, e.g. "--password-hashing fast"
#   COGNITO_LOCAL_DIR  install cognito-local here and reuse it on later runs
#                      (default: a temporary directory, removed at exit)
#   COGNITO_LOCAL_VERSION  the npm version to install (default 5.3)
#
# userpoold runs at its defaults (argon2id m=9 MiB t=4 for passwords, every write
# durable before the answer), as a user would start it. cognito-local needs
# npm; without it the script says so and compares userpoold with the floor.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A opt=([-d]=5s [-warmup]=1s [-rounds]=3 [-c]=8 [-op]=all)
with_cl=1
while [ $# -gt 0 ]; do
  case "$1" in
    -d | -warmup | -rounds | -c | -op)
      [ $# -ge 2 ] || { echo "compare.sh: $1 needs a value" >&2; exit 2; }
      opt[$1]=$2; shift 2 ;;
    --no-cognito-local) with_cl=0; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument $1 (see -h)" >&2; exit 2 ;;
  esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/userpoold-compare.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a TCP port nothing listens on at 127.0.0.1.
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "compare.sh: no free port" >&2; exit 1
}

# wait_up NAME URL LOG [any]: wait until URL answers 200 (any HTTP answer
# with "any"), for up to 60 s.
wait_up() {
  local code
  for _ in $(seq 1 600); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$2" 2>/dev/null || true)
    if [ "$code" = 200 ] || { [ "${4:-}" = any ] && [ "$code" != 000 ]; }; then return 0; fi
    sleep 0.1
  done
  echo "compare.sh: $1 did not come up; its log:" >&2
  tail -n 30 "$3" >&2
  exit 1
}

echo "== building userpoold, floor and loadgen"
go build -o "$tmp/userpoold" ./cmd/userpoold
go build -o "$tmp/floor" ./bench/floor
go build -o "$tmp/loadgen" ./bench/loadgen

targets=()
pidspec=()

up_port=$(free_port)
up_args=(--addr "127.0.0.1:$up_port" --data "$tmp/userpoold-data" --log-level warn)
# One node: --single-node accepts the local issuer and generated master key on PostgreSQL.
if [ -n "${USERPOOLD_DB:-}" ]; then up_args+=(--db "$USERPOOLD_DB" --single-node); fi
# shellcheck disable=SC2206 # USERPOOLD_ARGS is a list of flags
up_args+=(${USERPOOLD_ARGS:-})
"$tmp/userpoold" "${up_args[@]}" >"$tmp/userpoold.log" 2>&1 &
pids+=($!); pidspec+=("userpoold=$!")
targets+=("userpoold=http://127.0.0.1:$up_port")

floor_port=$(free_port)
"$tmp/floor" -addr "127.0.0.1:$floor_port" >"$tmp/floor.log" 2>&1 &
pids+=($!); pidspec+=("floor=$!")
targets+=("floor=http://127.0.0.1:$floor_port")

cl_version=${COGNITO_LOCAL_VERSION:-5.3}
cl_note="not measured"
if [ "$with_cl" = 1 ]; then
  if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    echo "== cognito-local skipped: npm and node are needed to install and run it"
    cl_note="skipped (no npm)"
  else
    cl_dir=${COGNITO_LOCAL_DIR:-$tmp/cognito-local}
    if [ ! -x "$cl_dir/node_modules/.bin/cognito-local" ]; then
      echo "== installing cognito-local@$cl_version into $cl_dir"
      mkdir -p "$cl_dir"
      npm install --prefix "$cl_dir" --no-audit --no-fund --loglevel=error "cognito-local@$cl_version" >"$tmp/npm.log" 2>&1 || {
        echo "compare.sh: npm install cognito-local@$cl_version failed:" >&2; tail -n 20 "$tmp/npm.log" >&2; exit 1; }
    fi
    cl_note="cognito-local $(node -p "require('$cl_dir/node_modules/cognito-local/package.json').version")"
    # cognito-local keeps its data and config in ./.cognito; its pools default
    # to email usernames, while loadgen uses plain names.
    mkdir -p "$tmp/cl-run/.cognito"
    echo '{"UserPoolDefaults":{"UsernameAttributes":[]}}' >"$tmp/cl-run/.cognito/config.json"
    cl_port=$(free_port)
    (cd "$tmp/cl-run" && PORT=$cl_port HOST=127.0.0.1 exec "$cl_dir/node_modules/.bin/cognito-local") >"$tmp/cognito-local.log" 2>&1 &
    pids+=($!); pidspec+=("cognito-local=$!")
    targets+=("cognito-local=http://127.0.0.1:$cl_port")
  fi
fi

wait_up userpoold "http://127.0.0.1:$up_port/health" "$tmp/userpoold.log"
wait_up floor "http://127.0.0.1:$floor_port/health" "$tmp/floor.log"
if [ -n "${cl_port:-}" ]; then wait_up cognito-local "http://127.0.0.1:$cl_port/" "$tmp/cognito-local.log" any; fi

storage=sqlite
if [ -n "${USERPOOLD_DB:-}" ]; then storage=postgres; fi
echo "== machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "== $(go version | cut -d' ' -f3-), node $(node --version 2>/dev/null || echo -), $cl_note; userpoold on $storage ${USERPOOLD_ARGS:-}"
loadgen_args=()
for k in -d -warmup -rounds -c -op; do loadgen_args+=("$k" "${opt[$k]}"); done
echo "== loadgen ${loadgen_args[*]}"
IFS=,
"$tmp/loadgen" -targets "${targets[*]}" -floor floor -pids "${pidspec[*]}" "${loadgen_args[@]}"
unset IFS
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
