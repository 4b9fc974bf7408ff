#!/usr/bin/env bash
# CI step: the Docker provider, exercised for real on this machine, before the normal local run.
#
#   1. installs Debian's docker.io when no dockerd is installed;
#   2. uses the Docker engine that answers (DOCKER_HOST or the default socket), or starts a dockerd of
#      its own on a private socket, so nothing else on the machine (the local run that follows) sees an
#      engine, and stops it at the end;
#   3. builds the offline images (tooling/docker/build-images.sh: cached between runs on this machine);
#   4. runs with POC_PROVIDER=docker the harness's provider tests and one POC per service;
#   5. checks that no container of the harness is left, and says how long all this took.
#
#   bash tooling/scripts/ci-docker.sh
# Exit status: non-zero when a step or a test failed (every test command runs regardless).
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '[ci-docker] %s\n' "$*"; }
started=$(date +%s)
SUDO=''
if [ "$(id -u)" -ne 0 ]; then command -v sudo >/dev/null 2>&1 && SUDO='sudo'; fi

# 1. The engine's packages.
if ! command -v dockerd >/dev/null 2>&1 && [ ! -x /usr/sbin/dockerd ]; then
  say "installing docker.io (apt-get)..."
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  # The package would start a system-wide dockerd on the default socket; this step starts its own.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    remove_policy=1
  fi
  $SUDO apt-get install -y -qq --no-install-recommends docker.io >/dev/null
  [ "${remove_policy:-0}" = 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d
fi
DOCKERD=$(command -v dockerd || echo /usr/sbin/dockerd)

# 2. An engine: the one that answers, else one of our own on a private socket.
own_dockerd=0
run_dir=/run/poc-ci-docker
stop_dockerd() {
  [ "$own_dockerd" = 1 ] || return 0
  local pid
  pid=$(cat "$run_dir/dockerd.pid" 2>/dev/null || true)
  if [ -n "$pid" ]; then
    say "stopping the dockerd this step started (pid $pid)..."
    $SUDO kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do $SUDO kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  own_dockerd=0
}
trap stop_dockerd EXIT
if timeout 10 docker info >/dev/null 2>&1; then
  say "using the Docker engine that answers (${DOCKER_HOST:-default socket})"
else
  say "starting dockerd on unix://$run_dir/docker.sock..."
  $SUDO mkdir -p "$run_dir"
  $SUDO sh -c "nohup '$DOCKERD' -H 'unix://$run_dir/docker.sock' --exec-root '$run_dir/exec' \
    --pidfile '$run_dir/dockerd.pid' >'$run_dir/dockerd.log' 2>&1 &"
  own_dockerd=1
  export DOCKER_HOST="unix://$run_dir/docker.sock"
  for _ in $(seq 1 150); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
  if ! docker info >/dev/null 2>&1; then
    say "dockerd did not answer within 30 s; its log:" >&2
    $SUDO tail -n 30 "$run_dir/dockerd.log" >&2 || true
    exit 1
  fi
  [ "$(id -u)" -ne 0 ] && $SUDO chmod 666 "$run_dir/docker.sock"
fi
say "engine: Docker $(docker version --format '{{.Server.Version}}'), $(docker info --format '{{.Driver}}') storage"

# 3. The images (no registry needed).
t0=$(date +%s)
bash tooling/docker/build-images.sh
images_s=$(($(date +%s) - t0))

# 4. The tests, on containers only. No external servers, no Ryuk (the harness reaps its own containers).
export POC_PROVIDER=docker TESTCONTAINERS_RYUK_DISABLED=true
unset POC_REDIS_URL POC_POSTGRES_URL POC_AMQP_URL POC_KAFKA_BROKERS POC_TOXIPROXY_URL POC_SERVICES_SHARED \
  POC_RUN_LEDGER POC_DOCKER_IMAGES
failed=()
timings=()
run() { # name, command...
  local name=$1 t
  shift
  say "== $name: $*"
  t=$(date +%s)
  if "$@"; then timings+=("$name $(($(date +%s) - t)) s"); else
    failed+=("$name")
    timings+=("$name $(($(date +%s) - t)) s (FAILED)")
  fi
}
# The harness's provider tests: shared servers, namespaces, private servers' stop/start/kill/restart,
# brokers, toxiproxy, nginx, and the Docker provider's own tests (loopback, fallback, reaper, parity).
run harness pnpm --filter @poc/harness exec vitest run \
  test/docker.test.ts test/services.test.ts test/brokers.test.ts test/faulty-link.test.ts test/nginx.test.ts
# One POC per service: each starts its own containers, as a single-package run does.
for pkg in poc-redis-lock poc-postgres-isolation-levels poc-rabbitmq-work-queue poc-kafka-basics high-traffic-api; do
  run "$pkg" pnpm --filter "$pkg" test
done

# 5. Nothing left behind: every container is removed by close() or by its owner's watchdog.
left=''
for _ in $(seq 1 50); do
  left=$(docker ps -aq --filter label=poc-harness)
  [ -z "$left" ] && break
  sleep 0.2
done
if [ -n "$left" ]; then
  say "containers left behind:" >&2
  docker ps -a --filter label=poc-harness >&2
  failed+=("leftover containers")
  xargs docker rm -f <<<"$left" >/dev/null
fi

stop_dockerd
say "images: ${images_s} s"
for t in "${timings[@]}"; do say "$t"; done
say "Docker provider step: $(($(date +%s) - started)) s in all"
if [ ${#failed[@]} -gt 0 ]; then
  say "FAILED: ${failed[*]}" >&2
  exit 1
fi
say "passed"
