#!/usr/bin/env bash
# Installs the local service binaries the harness runs when no Docker engine answers.
# Idempotent and quiet when everything is present. Debian/Ubuntu (apt-get); needs root or sudo.
#
#   bash tooling/scripts/install-services.sh            # every service
#   bash tooling/scripts/install-services.sh redis      # just some
set -euo pipefail

say() { printf '[install-services] %s\n' "$*"; }

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(redis postgres)

# service -> command that proves it is installed, and the Debian packages that provide it
declare -A probe=(
  [redis]='command -v redis-server'
  [postgres]='command -v initdb || ls /usr/lib/postgresql/*/bin/initdb'
)
declare -A packages=(
  [redis]='redis-server'
  [postgres]='postgresql'
)

missing=()
for s in "${want[@]}"; do
  if [ -z "${probe[$s]+x}" ]; then
    say "unknown service '$s'; known: ${!probe[*]}" >&2
    exit 2
  fi
  if ! bash -c "${probe[$s]}" >/dev/null 2>&1; then
    # shellcheck disable=SC2206
    missing+=(${packages[$s]})
  fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  say "missing: ${missing[*]}. This script knows apt-get only: install them with your package manager," >&2
  say "start a Docker engine (the harness then uses testcontainers), or set POC_REDIS_URL / POC_POSTGRES_URL." >&2
  exit 1
fi

SUDO=''
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO='sudo'; else
    say "need root (or sudo) to apt-get install: ${missing[*]}" >&2
    exit 1
  fi
fi

say "installing ${missing[*]} (apt-get)..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# The packages' own init scripts try to start system-wide servers; the harness never uses those.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
say "installed ${missing[*]}"
