# Every target goes through the vllm-monitor CLI (bin/vllm-monitor.js); `make help` lists them.
# Override the inputs like this: make docker-up ENV_FILE=prod.env OUT=build-prod

# ENV_FILE empty: the CLI reads ./.env if it exists (demo mode otherwise); a file named here must exist.
ENV_FILE ?=
OUT ?= build

# `--` ends node's own options: Node 20 otherwise takes the CLI's `--env-file .env` for its own
# flag and exits 9 when that file is missing.
CLI := node -- bin/vllm-monitor.js
# Commands that read the configuration get both; the others only the output folder.
IO := $(if $(ENV_FILE),--env-file $(ENV_FILE) )--out $(OUT)
OUTPUT := --out $(OUT)
# The compiled CLI; rebuilt when a source file is newer. `npm ci` compiles it too (prepare script),
# so node_modules is an order-only prerequisite, and the recipe looks again when it runs: make
# decided before `npm ci` ran, so a fresh install is not followed by a second build.
DIST := dist/cli/main.js
SOURCES := $(shell find src -name '*.ts' 2>/dev/null)
BUILD_INPUTS := src package.json tsconfig.json tsconfig.build.json

.DEFAULT_GOAL := help
.PHONY: help prometheus-conf grafana-conf docker-build docker-run docker-stop docker-up docker-logs demo test test-docker clean generate

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' | expand -t 18

# `npm ci` when node_modules is missing or older than the lockfile (it also compiles dist/).
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

$(DIST): $(SOURCES) package-lock.json tsconfig.json tsconfig.build.json | node_modules/.package-lock.json
	@if [ ! -f $(DIST) ] || [ -n "$$(find $(BUILD_INPUTS) -newer $(DIST) -print -quit)" ]; then npm run build; fi

prometheus-conf: $(DIST) ## render the Prometheus config (and token file, rules, targets) into OUT/prometheus (default build/)
	$(CLI) conf prometheus $(IO) --mode compose

grafana-conf: $(DIST) ## render Grafana provisioning and dashboards into OUT/grafana
	$(CLI) conf grafana $(IO) --mode compose

docker-build: $(DIST) ## build our image (the simulator) with docker compose; no secret enters it
	$(CLI) build $(OUTPUT)

docker-run: $(DIST) ## render every config, then start the compose stack in the background
	$(CLI) up $(IO)

docker-stop: $(DIST) ## stop the compose stack and delete the rendered configs in OUT (data volumes kept)
	$(CLI) down $(OUTPUT)

docker-up: $(DIST) ## render configs, build, start, then stream the logs (Ctrl-C stops streaming only)
	$(CLI) up --build --logs $(IO)

docker-logs: $(DIST) ## stream the compose stack's logs
	$(CLI) logs $(OUTPUT)

# `up` exits 3 when an image can be neither found nor pulled, before it starts anything.
demo: $(DIST) ## start the stack: compose when a Docker engine answers and its images can be had, native processes otherwise
	@if docker info >/dev/null 2>&1; then \
	  echo "make demo: a Docker engine answers: starting the compose stack"; \
	  $(CLI) up --build $(IO); status=$$?; \
	  if [ $$status -eq 3 ]; then \
	    echo "make demo: could not get the stack's images (see above): starting the native stack instead (Ctrl-C stops it)"; \
	    $(CLI) up --native $(IO); \
	  else \
	    exit $$status; \
	  fi; \
	else \
	  echo "make demo: no Docker engine answers: starting the native stack (Ctrl-C stops it)"; \
	  $(CLI) up --native $(IO); \
	fi

test: node_modules/.package-lock.json ## typecheck and run the whole test suite (installs its Debian peers when root)
	bash scripts/install-test-deps.sh
	npm test

test-docker: node_modules/.package-lock.json ## the compose end-to-end tests on a real Docker engine (starts one and builds the images when needed)
	bash scripts/test-docker.sh

clean: $(DIST) ## delete the rendered configs in OUT (they may hold secrets)
	$(CLI) clean $(OUTPUT)

generate: node_modules/.package-lock.json ## regenerate the committed dashboards/ and rules/
	npm run generate
