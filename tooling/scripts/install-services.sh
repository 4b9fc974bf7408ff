#!/usr/bin/env bash
# Installs the local service binaries the harness runs when no Docker engine answers.
# Idempotent and quiet when everything is present. Debian/Ubuntu (apt-get) for system packages;
# Kafka's jars come from Maven Central and toxiproxy is built through the Go module proxy, both into
# the harness cache (POC_HARNESS_HOME, default ~/.cache/poc-harness).
#
#   bash tooling/scripts/install-services.sh              # every service
#   bash tooling/scripts/install-services.sh redis kafka  # just some
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '[install-services] %s\n' "$*"; }

KAFKA_VERSION=3.9.1                 # keep in step with packages/harness/src/services/local/kafka.ts
TOXIPROXY_VERSION=v2.12.0
CACHE="${POC_HARNESS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/poc-harness}"
KAFKA_LIBS="$CACHE/kafka-$KAFKA_VERSION/libs"
TOXIPROXY_BIN="$CACHE/bin/toxiproxy-server"

all=(redis postgres rabbitmq kafka toxiproxy nginx)
want=("$@")
[ ${#want[@]} -eq 0 ] && want=("${all[@]}")

has() { command -v "$1" >/dev/null 2>&1; }
java_ok() { has java && java -version 2>&1 | grep -Eq 'version "(1[7-9]|2[0-9])'; }
# The broker and the tools jar (kafka-producer-perf-test); a cache from before the tools were added re-resolves.
kafka_jars_ok() { [ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ] && [ -f "$KAFKA_LIBS/kafka-tools-$KAFKA_VERSION.jar" ]; }
go_bin() { if has go; then command -v go; elif [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go; fi; }

# 1. Debian packages each wanted service lacks.
apt=()
for s in "${want[@]}"; do
  case "$s" in
    redis) has redis-server || apt+=(redis-server) ;;
    postgres) { has initdb || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || apt+=(postgresql) ;;
    rabbitmq) [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || has rabbitmq-server || apt+=(rabbitmq-server) ;;
    kafka)
      if ! kafka_jars_ok; then has mvn || apt+=(maven); fi
      java_ok || apt+=(openjdk-17-jre-headless)
      ;;
    toxiproxy) [ -x "$TOXIPROXY_BIN" ] || has toxiproxy-server || [ -n "$(go_bin)" ] || apt+=(golang-go) ;;
    nginx) has nginx || [ -x /usr/sbin/nginx ] || apt+=(nginx-light) ;;
    *) say "unknown service '$s'; known: ${all[*]}" >&2; exit 2 ;;
  esac
done

if [ ${#apt[@]} -gt 0 ]; then
  if ! has apt-get; then
    say "missing: ${apt[*]}. This script knows apt-get only: install them with your package manager," >&2
    say "start a Docker engine (the harness then uses testcontainers), or set the POC_*_URL variables." >&2
    exit 1
  fi
  SUDO=''
  if [ "$(id -u)" -ne 0 ]; then
    if has sudo; then SUDO='sudo'; else say "need root (or sudo) to apt-get install: ${apt[*]}" >&2; exit 1; fi
  fi
  say "installing ${apt[*]} (apt-get)..."
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  # The packages' init scripts would start system-wide servers; the harness never uses those.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $SUDO apt-get install -y -qq --no-install-recommends "${apt[@]}" >/dev/null
  say "installed ${apt[*]}"
fi

# 2. Kafka's jars, resolved once from Maven Central into the cache.
if [[ " ${want[*]} " == *" kafka "* ]] && ! kafka_jars_ok; then
  say "resolving Apache Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS..."
  mkdir -p "$KAFKA_LIBS.partial"
  mvn -q -B -f tooling/kafka/pom.xml dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS.partial" >/dev/null
  rm -rf "$KAFKA_LIBS" && mv "$KAFKA_LIBS.partial" "$KAFKA_LIBS"
  say "Kafka $KAFKA_VERSION: $(ls "$KAFKA_LIBS" | wc -l) jars"
fi

# 3. toxiproxy-server, built through the Go module proxy into the cache.
if [[ " ${want[*]} " == *" toxiproxy "* ]] && [ ! -x "$TOXIPROXY_BIN" ] && ! has toxiproxy-server; then
  go=$(go_bin)
  go_minor=$("$go" env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
  # v2.12 needs Go 1.23; Debian 12's own Go is 1.19, which builds v2.5 (same command and HTTP API).
  if [ "${go_minor:-0}" -lt 23 ]; then TOXIPROXY_VERSION=v2.5.0; fi
  say "building toxiproxy-server $TOXIPROXY_VERSION with $("$go" env GOVERSION)..."
  tmp=$(mktemp -d)
  (cd "$tmp" && GOBIN="$tmp/bin" GOFLAGS=-mod=mod "$go" install \
    -ldflags "-X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION#v}" \
    "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION")
  mkdir -p "$(dirname "$TOXIPROXY_BIN")" && mv "$tmp/bin/server" "$TOXIPROXY_BIN"
  rm -rf "$tmp"
  say "toxiproxy-server installed at $TOXIPROXY_BIN"
fi
exit 0
