#!/usr/bin/env bash
# scripts/release.sh cross-compiles userpoold release binaries: static
# (CGO_ENABLED=0, which the pure-Go SQLite driver allows), -trimpath, symbols
# stripped (-ldflags '-s -w'), for linux, darwin and windows on amd64 and
# arm64, into dist/ with a SHA256SUMS file (`sha256sum -c SHA256SUMS` checks
# them).
#
#   scripts/release.sh                          # all six targets into dist/
#   scripts/release.sh linux/amd64 darwin/arm64 # only these
#   DIST=/tmp/out scripts/release.sh
#
# The version each binary reports (`userpoold version`) is what the Go
# toolchain stamps from git: the tag on the commit (v1.2.0) or a
# pseudo-version, the commit, and "modified" for uncommitted changes. Build
# releases from a clean clone at a tag: the toolchain does not stamp builds
# made in a git worktree or outside git, and the script warns when a binary
# carries no commit.
set -euo pipefail
cd "$(dirname "$0")/.."

dist=${DIST:-dist}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64)
fi

if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
  echo "release: the work tree has uncommitted changes; the binaries will say \"modified\"" >&2
fi

rm -rf "$dist"
mkdir -p "$dist"
names=()
for t in "${targets[@]}"; do
  os=${t%/*} arch=${t#*/}
  ext=""
  if [ "$os" = windows ]; then ext=.exe; fi
  name="userpoold-$os-$arch$ext"
  echo "== $name"
  # -buildvcs=auto overrides a GOFLAGS=-buildvcs=false in the environment.
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=auto -ldflags '-s -w' \
    -o "$dist/$name" ./cmd/userpoold
  names+=("$name")
done

(
  cd "$dist"
  if command -v sha256sum >/dev/null; then sha256sum "${names[@]}"; else shasum -a 256 "${names[@]}"; fi >SHA256SUMS
)

meta=$(go version -m "$dist/${names[0]}")
if ! grep -q 'vcs.revision=' <<<"$meta"; then
  echo "release: the binaries carry no commit (built outside a git clone, in a worktree, or with -buildvcs=false)" >&2
fi
for n in "${names[@]}"; do
  if ! go version -m "$dist/$n" | grep -q 'CGO_ENABLED=0'; then
    echo "release: $n was not built with CGO_ENABLED=0" >&2
    exit 1
  fi
done
commit=$(sed -n 's/.*vcs.revision=//p' <<<"$meta")
echo "== version: $(awk '$1 == "mod" { print $3 }' <<<"$meta") (commit ${commit:-unknown})"
echo "== $dist:"
ls -l "$dist" | awk 'NR > 1 { printf "%10.1f MiB  %s\n", $5 / 1048576, $9 }'
