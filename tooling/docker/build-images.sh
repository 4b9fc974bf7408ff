#!/usr/bin/env bash
# Builds the Docker images the harness's Docker provider uses when the pinned official images cannot be
# pulled (no registry, offline, rate-limited), without any image registry:
#
#   1. localhost/poc/debian:bookworm   a Debian 12 base made with debootstrap from Debian's archive and
#                                      `docker import`ed (the mirror is the one apt uses on this machine)
#   2. localhost/poc/<service>:bookworm one per service, FROM that base, installing the same Debian
#                                      packages the local provider runs (redis-server, postgresql,
#                                      rabbitmq-server, openjdk-17-jre-headless + the cached Kafka jars,
#                                      the cached toxiproxy-server, nginx-light)
#
# Idempotent and cached: an image is rebuilt only when its inputs (Dockerfile, files, base image, Kafka
# jars, toxiproxy binary) changed; a second run takes a second or two. The harness finds these images by
# name (packages/harness/src/services/images.ts): nothing to configure.
#
#   bash tooling/docker/build-images.sh                 # every image
#   bash tooling/docker/build-images.sh redis postgres  # just some (and the base)
#   POC_IMAGES_REBUILD=1 bash tooling/docker/build-images.sh   # rebuild from a fresh debootstrap
#
# Needs: a Docker engine (DOCKER_HOST is honoured), root or sudo for debootstrap (installed with
# apt-get when missing), and for kafka/toxiproxy what tooling/scripts/install-services.sh installs.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tooling/docker

say() { printf '[build-images] %s\n' "$*"; }
die() { say "$*" >&2; exit 1; }

all=(redis postgres rabbitmq kafka toxiproxy nginx)
want=("$@")
[ ${#want[@]} -eq 0 ] && want=("${all[@]}")
for s in "${want[@]}"; do
  [[ " ${all[*]} " == *" $s "* ]] || die "unknown service '$s'; known: ${all[*]}"
done

BASE=localhost/poc/debian:bookworm
CACHE="${POC_HARNESS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/poc-harness}"
KAFKA_VERSION=3.9.1 # keep in step with packages/harness/src/services/local/kafka.ts
KAFKA_LIBS="$CACHE/kafka-$KAFKA_VERSION/libs"
TOXIPROXY_BIN="$CACHE/bin/toxiproxy-server"
if command -v toxiproxy-server >/dev/null 2>&1 && [ ! -x "$TOXIPROXY_BIN" ]; then TOXIPROXY_BIN=$(command -v toxiproxy-server); fi

SUDO=''
if [ "$(id -u)" -ne 0 ]; then command -v sudo >/dev/null 2>&1 && SUDO='sudo'; fi

docker info >/dev/null 2>&1 || die "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-default}): start one first."

image_label() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

# The Debian mirrors apt uses here (deb822 or one-line sources), else deb.debian.org.
mirror_of() { # $1: debian | debian-security
  local m
  m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
    grep -oE "https?://[^ ]+/$1/?( |$)" | head -n1 | tr -d ' ' || true)
  echo "${m%/}"
}
MIRROR="${POC_DEBIAN_MIRROR:-$(mirror_of debian)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${POC_DEBIAN_SECURITY_MIRROR:-$(mirror_of debian-security)}"
SECURITY_MIRROR="${SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

# 1. The base image.
build_base() {
  if ! command -v debootstrap >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "debootstrap is missing and apt-get is not available: install debootstrap."
    say "installing debootstrap (apt-get)..."
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap >/dev/null ||
      { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap >/dev/null; }
  fi
  local root
  root=$(mktemp -d "${TMPDIR:-/tmp}/poc-debootstrap.XXXXXX")
  # shellcheck disable=SC2064 # expand now: the directory to remove is this one
  trap "$SUDO rm -rf '$root'" EXIT
  say "debootstrap bookworm from $MIRROR (a few minutes)..."
  local keyring=()
  [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && keyring=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
  $SUDO debootstrap --variant=minbase "${keyring[@]}" bookworm "$root" "$MIRROR" >"$root.log" 2>&1 ||
    { tail -n 20 "$root.log" >&2; die "debootstrap failed (log above)"; }
  rm -f "$root.log"
  # The same suites apt uses on the host: bookworm, bookworm-updates and bookworm-security.
  $SUDO rm -f "$root/etc/apt/sources.list"
  $SUDO tee "$root/etc/apt/sources.list.d/debian.sources" >/dev/null <<EOF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # Slim like debian:bookworm-slim: no recommends, no docs or man pages, and no package ever starts a
  # service at install time.
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' |
    $SUDO tee "$root/etc/apt/apt.conf.d/99poc" >/dev/null
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' |
    $SUDO tee "$root/etc/dpkg/dpkg.cfg.d/99poc-nodoc" >/dev/null
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$root/usr/sbin/policy-rc.d" >/dev/null
  $SUDO chmod +x "$root/usr/sbin/policy-rc.d"
  $SUDO rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
  say "importing $BASE..."
  $SUDO tar -C "$root" -c . | docker import \
    --change 'ENV LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive' \
    --change 'CMD ["bash"]' \
    --change "LABEL poc.built=$(date -u +%Y-%m-%dT%H:%M:%SZ) poc.mirror=$MIRROR" \
    - "$BASE" >/dev/null
  $SUDO rm -rf "$root"
  trap - EXIT
}

if [ "${POC_IMAGES_REBUILD:-}" = 1 ] || ! docker image inspect "$BASE" >/dev/null 2>&1; then
  build_base
else
  say "$BASE: present (built $(image_label "$BASE" poc.built))"
fi
base_id=$(docker image inspect --format '{{.Id}}' "$BASE")

# 2. One image per service. The inputs' hash is a label: equal hash, nothing to do.
need_artifacts() {
  local s=$1
  if [ "$s" = kafka ] && [ ! -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]; then
    bash tooling/scripts/install-services.sh kafka
  fi
  if [ "$s" = toxiproxy ] && [ ! -x "$TOXIPROXY_BIN" ]; then
    bash tooling/scripts/install-services.sh toxiproxy
  fi
}

# The Debian package that decides a service's server version, pinned to the version installed on this
# machine when the archive still serves it, so both providers run the same build. Else the archive's.
server_package() {
  case "$1" in
    redis) echo redis-server ;; postgres) echo postgresql-15 ;; rabbitmq) echo rabbitmq-server ;;
    kafka) echo openjdk-17-jre-headless ;; nginx) echo nginx-light ;; *) echo '' ;;
  esac
}
pinned() {
  local pkg=$1 v
  v=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
  local available
  available=$(apt-cache madison "$pkg" 2>/dev/null || true) # not piped into grep -q: SIGPIPE under pipefail
  if [ -n "$v" ] && grep -qF " $v " <<<"$available"; then echo "$pkg=$v"; else echo "$pkg"; fi
}

inputs_hash() { # $1: service, $2: context dir, $3: packages
  (
    echo "$base_id $3"
    cd "$2" && find . -type f -print0 | sort -z | xargs -0 sha256sum
  ) | sha256sum | cut -c1-16
}

built=()
for s in "${want[@]}"; do
  need_artifacts "$s"
  ctx=$(mktemp -d "${TMPDIR:-/tmp}/poc-image-$s.XXXXXX")
  cp -a "$here/$s/." "$ctx/"
  case "$s" in
    kafka) mkdir "$ctx/libs" && cp -a "$KAFKA_LIBS/." "$ctx/libs/" ;;
    toxiproxy) cp "$TOXIPROXY_BIN" "$ctx/toxiproxy-server" ;;
  esac
  tag="localhost/poc/$s:bookworm"
  pkg=$(server_package "$s")
  packages=''
  [ -n "$pkg" ] && packages=$(pinned "$pkg")
  hash=$(inputs_hash "$s" "$ctx" "$packages")
  if [ "${POC_IMAGES_REBUILD:-}" != 1 ] && [ "$(image_label "$tag" poc.inputs)" = "$hash" ]; then
    say "$tag: up to date"
  else
    say "building $tag${packages:+ ($packages)}..."
    t0=$(date +%s)
    args=(--label "poc.inputs=$hash" --label "poc.packages=$packages" -t "$tag")
    [ -n "$packages" ] && args+=(--build-arg "PACKAGES=$packages")
    if ! docker build "${args[@]}" "$ctx" >"$ctx.log" 2>&1; then
      if [ "$packages" != "$pkg" ]; then
        say "$packages is not installable from the archive; building with the archive's $pkg"
        args=(--label "poc.inputs=$hash" --label "poc.packages=$pkg" -t "$tag")
        docker build "${args[@]}" "$ctx" >"$ctx.log" 2>&1 || { tail -n 30 "$ctx.log" >&2; die "building $tag failed (log above)"; }
      else
        tail -n 30 "$ctx.log" >&2
        rm -rf "$ctx" "$ctx.log"
        die "building $tag failed (log above)"
      fi
    fi
    say "$tag: built in $(($(date +%s) - t0)) s"
    built+=("$s")
  fi
  rm -rf "$ctx" "$ctx.log"
done

# 3. What was built, with the server versions, for the log.
for s in "${want[@]}"; do
  tag="localhost/poc/$s:bookworm"
  size=$(docker image inspect --format '{{.Size}}' "$tag")
  say "$(printf '%-36s %5d MB' "$tag" $((size / 1000000)))"
done
# Dangling layers from rebuilt images.
if [ ${#built[@]} -gt 0 ]; then docker image prune -f --filter label=poc.inputs >/dev/null 2>&1 || true; fi
exit 0
