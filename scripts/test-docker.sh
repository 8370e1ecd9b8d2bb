#!/usr/bin/env bash
# `make test-docker`: the compose end-to-end tests (test/docker) against a real Docker engine.
# Starts an engine when none answers and stops it afterwards, builds the local images when
# missing (cached between runs), and ends with the test runner's `N passed, N failed` line.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh
started_engine=false
if ! docker info >/dev/null 2>&1; then started_engine=true; fi
# Stops only the dockerd started here (docker-engine.sh keeps its pid), silently, after the tests.
trap 'if $started_engine; then bash scripts/docker-engine.sh stop; fi' EXIT
bash scripts/docker-engine.sh start
bash scripts/docker-images.sh
node scripts/run-tests.mjs test/docker
