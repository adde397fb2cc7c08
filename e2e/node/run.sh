#!/usr/bin/env bash
# Runs the Node end-to-end suite against a freshly built userpoold.
#
#   e2e/node/run.sh                        every test file under test/
#   e2e/node/run.sh test/identityjs-signin.test.js   only the files given
#
# It builds the server from this checkout, starts it on a free loopback port
# with a temporary data directory, --password-hashing fast and a generated
# admin key pair, waits for /health, installs node_modules with `npm ci` when
# they are missing or stale, runs `node --test` with the endpoint in the
# environment (see lib/env.js), and stops the server however the run ends.
# Needs go, node >= 20 and npm; reads nothing from stdin.
#
# Environment:
#   USERPOOLD_E2E_KEEP=1      keep the temporary directory (binary, data, server log)
#   USERPOOLD_E2E_BIN=path    test this server binary instead of building one
#   USERPOOLD_E2E_SERVER_ARGS extra flags for the server, word-split
#   NODE_TEST_ARGS            extra flags for node --test, word-split
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/userpoold-e2e-node.XXXXXX")
server_pid=
started=$(date +%s)

log() { printf 'e2e/node: %s\n' "$*" >&2; }

cleanup() {
  local status=$?
  # A reader that went away (run.sh | head) must not stop the clean-up.
  trap '' PIPE
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  local server_log=""
  if [[ $status -ne 0 && -f "$tmp/server.log" ]]; then
    server_log=$(tail -n 40 "$tmp/server.log" | cut -c1-600)
  fi
  if [[ -n "${USERPOOLD_E2E_KEEP:-}" ]]; then
    log "kept $tmp" || true
  else
    rm -rf "$tmp"
  fi
  if [[ -n "$server_log" ]]; then
    log "last lines of the server log:" || true
    printf '%s\n' "$server_log" >&2 || true
  fi
  log "finished with status $status in $(( $(date +%s) - started ))s" || true
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE

if [[ -n "${USERPOOLD_E2E_BIN:-}" ]]; then
  log "using the server binary $USERPOOLD_E2E_BIN"
  cp "$USERPOOLD_E2E_BIN" "$tmp/userpoold"
else
  log "building the server"
  (cd "$root" && go build -o "$tmp/userpoold" ./cmd/userpoold)
fi

if [[ ! -d "$here/node_modules" || "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]]; then
  log "installing node_modules (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
fi

key_id="AKIAE2ENODE$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)"
secret="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"

# Port 0: the kernel picks a free port and the server logs the address it got,
# so there is no race between choosing a port and binding it.
# shellcheck disable=SC2086
"$tmp/userpoold" --addr 127.0.0.1:0 --data "$tmp/data" --password-hashing fast \
  --admin-keys "$key_id:$secret" --log-format json ${USERPOOLD_E2E_SERVER_ARGS:-} \
  </dev/null >"$tmp/server.log" 2>&1 &
server_pid=$!

addr=
for _ in $(seq 1 200); do
  addr=$(sed -n 's/.*"msg":"userpoold listening","addr":"\([^"]*\)".*/\1/p' "$tmp/server.log" | head -n 1)
  [[ -n "$addr" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { log "the server exited before listening"; exit 1; }
  sleep 0.1
done
[[ -n "$addr" ]] || { log "the server did not log its address within 20s"; exit 1; }
endpoint="http://$addr"

node -e '
  const url = process.argv[1] + "/health";
  const deadline = Date.now() + 20000;
  (async () => {
    for (;;) {
      const ok = await fetch(url).then((r) => r.ok, () => false);
      if (ok) return;
      if (Date.now() > deadline) { console.error("no 200 from " + url); process.exit(1); }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
' "$endpoint"
log "server ready at $endpoint"

cd "$here"
if [[ $# -gt 0 ]]; then
  files=("$@")
else
  files=(test/*.test.js)
fi

export USERPOOLD_ENDPOINT="$endpoint"
export USERPOOLD_ADMIN_KEY_ID="$key_id"
export USERPOOLD_ADMIN_SECRET="$secret"
export USERPOOLD_REGION=us-east-1
export USERPOOLD_BIN="$tmp/userpoold"
export USERPOOLD_TMP="$tmp"
# The SDK must not pick up anything from the machine it runs on.
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
# SDK v3 warns in every file that its releases after January 2027 need Node 22.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

# --test-force-exit: Amplify leaves un-unref'd timers behind (autoSignIn waits
# 3 minutes for a confirmation), which would hold a finished file open.
# --test-timeout: no single test may hang the run.
# shellcheck disable=SC2086
node --test --test-reporter=spec --test-force-exit --test-timeout=120000 ${NODE_TEST_ARGS:-} "${files[@]}" </dev/null
