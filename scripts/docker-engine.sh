#!/usr/bin/env bash
# A Docker engine for the compose tests, on a machine that may have none running (CI, fresh
# development machines). Stops only what it started itself.
#
#   bash scripts/docker-engine.sh start   prints nothing when an engine already answers; otherwise
#                                         installs docker.io when root with apt-get, starts dockerd
#                                         in the background and waits for it
#   bash scripts/docker-engine.sh stop    stops the dockerd that `start` started (by its pid), if any
#
# `start` also prepares what the tests need either way: the non-root user the CLI runs as
# (VLLM_MONITOR_TEST_USER, default vllm-test, uid 1234, in the docker group) and `/` as a shared
# mount (node-exporter's `/:/host:ro,rslave` needs it). DOCKERD_FLAGS defaults to
# --iptables=false: machines like CI's allow no iptables; containers then reach no registry, which
# the tests do not need (builds run with --network host).
set -euo pipefail

STATE_DIR=${VLLM_MONITOR_DOCKERD_DIR:-/var/tmp/vllm-monitor-dockerd}
PID_FILE=$STATE_DIR/dockerd.pid
LOG_FILE=$STATE_DIR/dockerd.log
TEST_USER=${VLLM_MONITOR_TEST_USER:-vllm-test}
TEST_UID=${VLLM_MONITOR_TEST_UID:-1234}

answers() { docker info >/dev/null 2>&1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

prepare_machine() {
  is_root || return 0
  if ! id "$TEST_USER" >/dev/null 2>&1; then
    getent group docker >/dev/null || groupadd --system docker
    useradd --uid "$TEST_UID" --user-group --groups docker --create-home --shell /bin/bash "$TEST_USER"
  fi
  if [ "$(findmnt --noheadings --output PROPAGATION /)" = private ]; then mount --make-rshared /; fi
}

start() {
  if answers; then prepare_machine; return 0; fi
  if ! command -v dockerd >/dev/null 2>&1; then
    if is_root && command -v apt-get >/dev/null 2>&1; then
      echo "docker-engine: installing docker.io" >&2
      # A policy-rc.d that says no, so the package does not start a dockerd of its own.
      local policy=/usr/sbin/policy-rc.d added_policy=false
      if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; added_policy=true; fi
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
      if $added_policy; then rm -f "$policy"; fi
    else
      echo "docker-engine: no Docker engine answers and dockerd is not installed: sudo apt-get install docker.io" >&2
      exit 2
    fi
  fi
  is_root || { echo "docker-engine: no Docker engine answers; start one (sudo systemctl start docker) or run this as root" >&2; exit 2; }
  prepare_machine
  mkdir -p "$STATE_DIR"
  # shellcheck disable=SC2086 # DOCKERD_FLAGS is a list of flags
  setsid dockerd ${DOCKERD_FLAGS:---iptables=false} >"$LOG_FILE" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  for _ in $(seq 1 120); do
    answers && return 0
    kill -0 "$(cat "$PID_FILE")" 2>/dev/null || break
    sleep 0.5
  done
  echo "docker-engine: dockerd did not answer within 60 s; its log ($LOG_FILE) ends with:" >&2
  tail -n 20 "$LOG_FILE" >&2
  stop
  exit 1
}

stop() {
  [ -f "$PID_FILE" ] || return 0
  local pid
  pid=$(cat "$PID_FILE")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$PID_FILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: bash scripts/docker-engine.sh start|stop" >&2; exit 2 ;;
esac
