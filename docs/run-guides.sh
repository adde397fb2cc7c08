#!/usr/bin/env bash
# Runs the guides of docs/ as a reader would: every ```sh block, in order,
# with the files the guide asks for (```LANG file=NAME), in a fresh
# directory, against a freshly built userpoold on the PATH; and checks that
# every excerpt of a test (```LANG from=PATH) is still in that test.
# tools/guiderun turns a guide into its script.
#
#   docs/run-guides.sh                    # every guide (docs/*.md)
#   docs/run-guides.sh docs/aws-cli.md    # some
#
# The guides name fixed ports (9229, 9230, 9231, 9232, 8443) and a database
# (userpoold_prod); the run moves them to free ports and a database of its
# own, so that it can share a machine. A guide whose tools are missing gets
# them from apt-get when it may (root, or sudo without a password), and is
# skipped, saying so, only when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
exec </dev/null

guides=("$@")
if [ ${#guides[@]} -eq 0 ]; then
  guides=(docs/*.md)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
echo "== building userpoold and tools/guiderun"
go build -o "$work/bin/userpoold" ./cmd/userpoold
go build -o "$work/guiderun" ./tools/guiderun

# free_port prints a TCP port nothing listens on.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}

# apt_install installs Debian packages when this run may.
apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true 2>/dev/null; then sudo="sudo -n"; else return 1; fi
  fi
  command -v apt-get >/dev/null || return 1
  echo "== apt-get install $*"
  $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# need CHECK PACKAGES...: true when CHECK succeeds, after installing
# PACKAGES if it did not.
need() {
  local check=$1; shift
  bash -c "$check" >/dev/null 2>&1 && return 0
  apt_install "$@" || return 1
  hash -r
  bash -c "$check" >/dev/null 2>&1
}

# python3 with boto3 and pytest: the first python3 on the PATH, else
# Debian's.
python_ok() {
  for py in python3 /usr/bin/python3; do
    if "$py" -c 'import boto3, pytest' >/dev/null 2>&1; then
      mkdir -p "$work/bin" && ln -sf "$(command -v "$py")" "$work/bin/python3"
      return 0
    fi
  done
  return 1
}

skipped=()
for guide in "${guides[@]}"; do
  name=$(basename "$guide" .md)
  case "$name" in
    aws-cli)
      if ! need 'command -v aws' awscli; then skipped+=("$guide: no AWS CLI (apt-get install awscli)"); continue; fi ;;
    boto3-pytest)
      if ! python_ok && ! { apt_install python3-boto3 python3-pytest && python_ok; }; then
        skipped+=("$guide: no python3 with boto3 and pytest (apt-get install python3-boto3 python3-pytest)"); continue
      fi ;;
    production)
      if ! need 'command -v nginx && command -v aws' nginx-light awscli; then skipped+=("$guide: no nginx or AWS CLI"); continue; fi
      if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then skipped+=("$guide: no PostgreSQL on 127.0.0.1:5432"); continue; fi ;;
    cognito-local)
      if ! need 'command -v jq && command -v aws' jq awscli; then skipped+=("$guide: no jq or AWS CLI"); continue; fi ;;
  esac
  db="userpoold_guide_$$_$RANDOM"
  dir="$work/$name"
  mkdir -p "$dir"
  "$work/guiderun" -root "$repo" \
    -sub "127.0.0.1:9229=127.0.0.1:$(free_port)" -sub "127.0.0.1:9230=127.0.0.1:$(free_port)" \
    -sub "127.0.0.1:9231=127.0.0.1:$(free_port)" -sub "127.0.0.1:9232=127.0.0.1:$(free_port)" \
    -sub "localhost:8443=localhost:$(free_port)" -sub "userpoold_prod=$db" \
    "$guide" > "$dir.sh"
  echo "== $guide (in $dir)"
  status=0
  case "$name" in
    go-testing) cwd=$repo ;;   # its commands run in examples/gotest of this checkout
    *) cwd=$dir ;;
  esac
  (cd "$cwd" && PATH="$work/bin:$PATH" bash "$dir.sh") || status=$?
  if [ "$name" = production ]; then
    psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  fi
  if [ $status -ne 0 ]; then
    echo "FAIL: $guide (exit $status); the script was $dir.sh" >&2
    trap - EXIT
    exit 1
  fi
done

for s in "${skipped[@]}"; do echo "SKIPPED: $s"; done
echo "== guides: $(( ${#guides[@]} - ${#skipped[@]} )) ran, ${#skipped[@]} skipped"
