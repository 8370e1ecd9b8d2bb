#!/usr/bin/env bash
# Builds the images the compose end-to-end tests run, on a machine that reaches no image
# registry: stand-ins for the pinned upstream images, made from Debian bookworm packages and
# tagged under vllm-monitor-standin/, then our own simulator image from the real Dockerfile on
# top of the Node.js stand-in. Cached: the Debian root filesystem and the Node.js image are made
# once per machine (--rebuild makes them again); the rest goes through Docker's build cache.
#
#   bash scripts/docker-images.sh            build what is missing or stale, print the timings
#   bash scripts/docker-images.sh --list     print VARIABLE=image for every stand-in, build nothing
#   bash scripts/docker-images.sh --rebuild  make everything again, from mmdebstrap on
#   bash scripts/docker-images.sh --simulator DIR TAG   only our image, from the context DIR, as TAG
#
# Needs: a Docker engine that answers (scripts/docker-engine.sh starts one), root for mmdebstrap,
# Node.js 20 on this machine. Corporate TLS proxy: the certificates in
# /usr/local/share/ca-certificates (Debian's place for local CAs) or in $BUILD_CA_CERTS_FILE reach
# npm inside the build as the BUILD_CA_CERTS build argument (public certificates, no secret).
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=vllm-monitor-standin
BASE_IMAGE=$PREFIX/debian:bookworm
NODE_VERSION=$(node --version)
# VARIABLE image Dockerfile: the variable docker-compose.yml reads, the stand-in's tag, its recipe.
STANDINS=(
  "PROMETHEUS_IMAGE $PREFIX/prometheus:2.42-bookworm prometheus"
  "NODE_EXPORTER_IMAGE $PREFIX/node-exporter:1.5-bookworm node-exporter"
  "ALERTMANAGER_IMAGE $PREFIX/alertmanager:0.25-bookworm alertmanager"
  "BUSYBOX_IMAGE $PREFIX/busybox:1.35-bookworm busybox"
  "NODE_IMAGE $PREFIX/node:${NODE_VERSION#v}-bookworm-slim node"
)
SIMULATOR_IMAGE=vllm-monitor:local

list() {
  for entry in "${STANDINS[@]}"; do
    read -r variable image _ <<<"$entry"
    echo "$variable=$image"
  done
}
if [ "${1:-}" = "--list" ]; then list; exit 0; fi
rebuild=false
[ "${1:-}" = "--rebuild" ] && rebuild=true
simulator_only=false
context=.
if [ "${1:-}" = "--simulator" ]; then
  simulator_only=true
  context=${2:?--simulator needs a build context folder and a tag}
  SIMULATOR_IMAGE=${3:?--simulator needs a build context folder and a tag}
fi

if ! command -v mmdebstrap >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
  else
    echo "docker-images: mmdebstrap is missing: sudo apt-get install mmdebstrap" >&2
    exit 2
  fi
fi
docker info >/dev/null 2>&1 || { echo "docker-images: no Docker engine answers; start one with: bash scripts/docker-engine.sh start" >&2; exit 2; }

has_image() { docker image inspect "$1" >/dev/null 2>&1; }
# `docker build` without its output; errors still show, the CLI's legacy-builder notice does not.
build() {
  DOCKER_BUILDKIT=0 docker build --quiet "$@" 2>&1 >/dev/null | { grep -vE 'DEPRECATED|legacy builder|BuildKit|buildx|environment-variable|^\s*$' || true; } >&2
}
seconds() { date +%s.%N; }
elapsed() { awk -v start="$1" -v end="$(seconds)" 'BEGIN { printf "%.1f s", end - start }'; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$(seconds)

node_image=$(list | sed -n 's/^NODE_IMAGE=//p')
if $simulator_only && ! has_image "$node_image"; then
  echo "docker-images: $node_image is missing; run bash scripts/docker-images.sh first" >&2
  exit 2
fi

# 1. The Debian root filesystem every stand-in starts from, with apt (so builds can install).
if ! $simulator_only && { $rebuild || ! has_image "$BASE_IMAGE"; }; then
  step=$(seconds)
  sources=/etc/apt/sources.list.d/debian.sources
  [ -f "$sources" ] || sources=/etc/apt/sources.list
  # policy-rc.d: packages installed in a build must not try to start their services.
  mmdebstrap --variant=apt --quiet \
    --customize-hook='printf "#!/bin/sh\nexit 101\n" > "$1/usr/sbin/policy-rc.d"; chmod 755 "$1/usr/sbin/policy-rc.d"' \
    bookworm "$work/rootfs.tar" "$sources"
  docker import --change 'CMD ["bash"]' "$work/rootfs.tar" "$BASE_IMAGE" >/dev/null
  echo "docker-images: $BASE_IMAGE made with mmdebstrap in $(elapsed "$step")"
fi

# 2. The Node.js base: this machine's Node.js and npm on the Debian root (made once per version).
if ! $simulator_only && { $rebuild || ! has_image "$node_image"; }; then
  step=$(seconds)
  mkdir -p "$work/node/node/bin" "$work/node/node/lib/node_modules"
  cp "$(readlink -f "$(command -v node)")" "$work/node/node/bin/node"
  cp -r "$(npm root -g)/npm" "$work/node/node/lib/node_modules/npm"
  build --build-arg "BASE_IMAGE=$BASE_IMAGE" -f scripts/standins/node.Dockerfile -t "$node_image" "$work/node"
  echo "docker-images: $node_image built in $(elapsed "$step")"
fi

# 3. The service stand-ins: Docker's build cache makes an unchanged one cost about a second.
for entry in "${STANDINS[@]}"; do
  read -r _ image recipe <<<"$entry"
  { [ "$recipe" = node ] || $simulator_only; } && continue
  step=$(seconds)
  flags=(--network host --build-arg "BASE_IMAGE=$BASE_IMAGE")
  $rebuild && flags+=(--no-cache)
  build "${flags[@]}" -f "scripts/standins/$recipe.Dockerfile" -t "$image" scripts/standins
  echo "docker-images: $image ready in $(elapsed "$step")"
done

# 4. Our own image, from the real Dockerfile on the Node.js stand-in.
step=$(seconds)
ca_file=${BUILD_CA_CERTS_FILE:-}
if [ -z "$ca_file" ] && compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cat /usr/local/share/ca-certificates/*.crt >"$work/build-ca.pem"
  ca_file=$work/build-ca.pem
fi
build_ca=()
[ -n "$ca_file" ] && build_ca=(--build-arg "BUILD_CA_CERTS=$(cat "$ca_file")")
build --network host --build-arg "NODE_IMAGE=$node_image" "${build_ca[@]}" -t "$SIMULATOR_IMAGE" "$context"
echo "docker-images: $SIMULATOR_IMAGE built from $context/Dockerfile in $(elapsed "$step")"
echo "docker-images: all images ready in $(elapsed "$started")"
