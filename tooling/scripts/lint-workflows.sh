#!/usr/bin/env bash
# Lints the GitHub Actions workflows (.github/workflows) with actionlint: expressions, contexts, runner
# labels, action inputs, and the shell of every `run:` step when shellcheck is installed. actionlint is
# a Go module: it is built once through the Go module proxy into the harness cache
# (POC_HARNESS_HOME, default ~/.cache/poc-harness/bin), pinned below.
#
#   bash tooling/scripts/lint-workflows.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

ACTIONLINT_VERSION=v1.7.12 # needs Go 1.25 to build; with an older Go (Debian 12 has 1.19): v1.7.7
ACTIONLINT_FALLBACK=v1.7.7
CACHE="${POC_HARNESS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/poc-harness}"

say() { printf '[lint-workflows] %s\n' "$*"; }

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ ${#workflows[@]} -eq 0 ]; then
  say "no workflows to lint"
  exit 0
fi

BIN=''
for v in "$ACTIONLINT_VERSION" "$ACTIONLINT_FALLBACK"; do
  [ -x "$CACHE/bin/actionlint-$v" ] && BIN="$CACHE/bin/actionlint-$v" && break
done
if [ -z "$BIN" ]; then
  go=''
  for candidate in "$(command -v go || true)" /usr/local/go/bin/go /usr/lib/go/bin/go; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && go=$candidate && break
  done
  if [ -z "$go" ]; then
    say "actionlint is built with Go, which is not installed: install Debian's golang-go (or Go from go.dev) and run this again." >&2
    exit 1
  fi
  minor=$("$go" env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
  version=$ACTIONLINT_VERSION
  [ "${minor:-0}" -lt 25 ] && version=$ACTIONLINT_FALLBACK
  say "building actionlint $version with $("$go" env GOVERSION) (Go module proxy)..."
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && GOTOOLCHAIN=local GOBIN="$tmp/bin" GOFLAGS=-mod=mod "$go" install "github.com/rhysd/actionlint/cmd/actionlint@$version")
  BIN="$CACHE/bin/actionlint-$version"
  mkdir -p "$(dirname "$BIN")"
  mv "$tmp/bin/actionlint" "$BIN"
fi

"$BIN" "${workflows[@]}"
say "${#workflows[@]} workflow(s) clean ($(basename "$BIN"))"
