#!/usr/bin/env bash
# Runs the browser end-to-end suite: headless Chromium against a freshly
# built userpoold (plain HTTP and its TLS listener).
#
#   e2e/browser/run.sh                                   every test file under test/
#   e2e/browser/run.sh test/passkey-package.test.js      only the files given
#
# It makes sure Debian's chromium is installed (apt-get install chromium
# when it is missing and this user may install; it skips the suite with a
# clear message, exit 0, only when no browser can be had), builds the server
# and the test tooling (passkeyserver) from this checkout, starts userpoold
# on a free loopback port with a temporary data directory, --password-hashing
# fast, --test-idp (the built-in test identity provider, also standing in for
# Google: --social-endpoints Google=/_idp/google) and a generated admin key pair, installs node_modules with `npm ci`
# when they are missing or stale, bundles the test pages with esbuild, runs
# `node --test`, prints the screenshots the tests took and stops the server
# however the run ends. Needs go, node >= 20 and npm; reads nothing from stdin.
#
# Environment:
#   USERPOOLD_E2E_KEEP=1        keep the temporary directory (binaries, data, server log)
#   USERPOOLD_E2E_BIN=path      test this server binary instead of building one
#   USERPOOLD_E2E_SERVER_ARGS   extra flags for the server, word-split
#   USERPOOLD_CHROMIUM=path     the browser binary (default /usr/bin/chromium)
#   USERPOOLD_BROWSER_RUN_DIR   where screenshots go (default e2e/browser/runs/<time>)
#   NODE_TEST_ARGS              extra flags for node --test, word-split
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/userpoold-e2e-browser.XXXXXX")
run_dir="${USERPOOLD_BROWSER_RUN_DIR:-$here/runs/$(date +%Y%m%d-%H%M%S)}"
server_pid=
started=$(date +%s)

log() { printf 'e2e/browser: %s\n' "$*" >&2; }

cleanup() {
  local status=$?
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
  if [[ -f "$run_dir/screenshots.txt" ]]; then
    log "screenshots:" || true
    sed 's/^/  /' "$run_dir/screenshots.txt" >&2 || true
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

# The browser: Debian's chromium. Test tools' own browser downloads cannot
# work on these machines, so nothing else is tried.
chromium="${USERPOOLD_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing Debian's chromium (apt-get)"
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
           DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } </dev/null >"$tmp/apt.log" 2>&1; then
      tail -n 20 "$tmp/apt.log" >&2 || true
    fi
  fi
fi
if [[ ! -x "$chromium" ]]; then
  log "SKIPPED: no browser at $chromium and it could not be installed (apt-get install chromium);"
  log "the browser suite needs Debian's chromium package or USERPOOLD_CHROMIUM pointing at a Chromium build"
  exit 0
fi
log "browser: $("$chromium" --version 2>/dev/null | head -n 1)"

if [[ -n "${USERPOOLD_E2E_BIN:-}" ]]; then
  log "using the server binary $USERPOOLD_E2E_BIN"
  cp "$USERPOOLD_E2E_BIN" "$tmp/userpoold"
else
  log "building the server"
  (cd "$root" && go build -o "$tmp/userpoold" ./cmd/userpoold)
fi
(cd "$root" && go build -o "$tmp/passkeyserver" ./e2e/browser/passkeyserver)

if [[ ! -d "$here/node_modules" || "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]]; then
  log "installing node_modules (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
fi

log "bundling the test pages (esbuild)"
(cd "$here" && node build.mjs "$tmp/pages")

key_id="AKIAE2EBROWSER$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)"
secret="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"

# Port 0: the kernel picks free ports and the server logs the addresses.
# The TLS listener (certificates from the local CA in the data directory)
# serves the user pool domains over https, which Amplify's
# signInWithRedirect requires.
# shellcheck disable=SC2086
"$tmp/userpoold" --addr 127.0.0.1:0 --tls-addr 127.0.0.1:0 --data "$tmp/data" --password-hashing fast \
  --admin-keys "$key_id:$secret" --log-format json --test-idp --social-endpoints Google=/_idp/google ${USERPOOLD_E2E_SERVER_ARGS:-} \
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
tls_addr=
for _ in $(seq 1 50); do
  tls_addr=$(sed -n 's/.*"msg":"userpoold listening with TLS","tls_addr":"\([^"]*\)".*/\1/p' "$tmp/server.log" | head -n 1)
  [[ -n "$tls_addr" ]] && break
  sleep 0.1
done
[[ -n "$tls_addr" ]] || { log "the server did not log its TLS address"; exit 1; }
# The local CA, which the tests trust: Node through NODE_EXTRA_CA_CERTS,
# Chromium through --ignore-certificate-errors-spki-list with the CA's key.
"$tmp/userpoold" ca --data "$tmp/data" >"$tmp/ca.pem"
node -e '
  const url = process.argv[1] + "/health";
  const deadline = Date.now() + 20000;
  (async () => {
    for (;;) {
      if (await fetch(url).then((r) => r.ok, () => false)) return;
      if (Date.now() > deadline) { console.error("no 200 from " + url); process.exit(1); }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
' "$endpoint"
log "server ready at $endpoint and https://$tls_addr"

mkdir -p "$run_dir"
rm -f "$run_dir/screenshots.txt"

cd "$here"
if [[ $# -gt 0 ]]; then
  files=("$@")
else
  files=(test/*.test.js)
fi

export USERPOOLD_ENDPOINT="$endpoint"
export USERPOOLD_TLS_ENDPOINT="https://$tls_addr"
export USERPOOLD_CA_PEM="$tmp/ca.pem"
export NODE_EXTRA_CA_CERTS="$tmp/ca.pem"
export USERPOOLD_ADMIN_KEY_ID="$key_id"
export USERPOOLD_ADMIN_SECRET="$secret"
export USERPOOLD_REGION=us-east-1
export USERPOOLD_BIN="$tmp/userpoold"
export USERPOOLD_TMP="$tmp"
export USERPOOLD_CHROMIUM="$chromium"
export USERPOOLD_BROWSER_PAGES="$tmp/pages"
export USERPOOLD_BROWSER_RUN_DIR="$run_dir"
export USERPOOLD_PASSKEYSERVER_BIN="$tmp/passkeyserver"
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

# One browser per test file; files run one at a time (two cores, shared).
# shellcheck disable=SC2086
node --test --test-reporter=spec --test-concurrency=1 --test-force-exit --test-timeout=120000 ${NODE_TEST_ARGS:-} "${files[@]}" </dev/null
