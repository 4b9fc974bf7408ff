#!/usr/bin/env bash
# Installs everything a fresh machine lacks to run this repo: pnpm, the workspace's dependencies
# (from the lockfile) and, unless a Docker engine or POC_*_URL servers are there, the local service
# binaries. Safe to run again: it only does what is missing.
#
#   bash tooling/scripts/bootstrap.sh && pnpm demo      # README quick start
#   bash tooling/scripts/bootstrap.sh && pnpm test      # what CI runs
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '[bootstrap] %s\n' "$*"; }

# 1. Node 20.19+ (also 22, 24).
if ! command -v node >/dev/null 2>&1; then
  say "Node.js is not installed: install Node 20, 22 or 24 (https://nodejs.org) and run this again." >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  say "Node $(node --version) is too old: this repo needs Node 20.19 or newer (20, 22 or 24)." >&2
  exit 1
fi

# 2. pnpm, the version pinned in package.json's packageManager.
want_pnpm=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$want_pnpm" ]; then
  say "installing pnpm $want_pnpm (npm i -g)..."
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && [ ! -w "$(npm prefix -g)/lib" ]; then
    sudo npm i -g --silent "pnpm@$want_pnpm"
  else
    npm i -g --silent "pnpm@$want_pnpm"
  fi
fi

# 3. Dependencies, exactly as the lockfile pins them.
say "pnpm install --frozen-lockfile..."
pnpm install --frozen-lockfile --reporter=silent

# 4. Service binaries, unless servers come from elsewhere. With a Docker engine they are still installed
#    (unless POC_PROVIDER=docker): a service whose image cannot be had (offline, no registry) falls back
#    to the local binaries.
if [ -n "${POC_REDIS_URL:-}" ] && [ -n "${POC_POSTGRES_URL:-}" ]; then
  say "POC_REDIS_URL and POC_POSTGRES_URL are set: no local servers needed."
elif [ "${POC_PROVIDER:-}" = "docker" ]; then
  say "POC_PROVIDER=docker: services will run in containers; no local servers installed."
else
  bash tooling/scripts/install-services.sh
fi

# 5. Chromium for the catalog page's browser test (apps/catalog): Debian's package, never a download.
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1; then
    say "installing chromium (apt-get) for the catalog's browser test..."
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
  else
    say "chromium is missing and apt-get is not available: install Chromium at /usr/bin/chromium for the catalog's browser test." >&2
  fi
fi
say "ready."
