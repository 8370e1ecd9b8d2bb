/**
 * The compose commands against a MOCK docker: no Docker engine runs here, so a shell script named
 * `docker` (and `docker-compose`) on PATH records what the CLI asks of it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { makeOutputFolder, runCli } from "./compose-fixture.js";

const FAKE_DOCKER = `#!/bin/sh
# Mock docker: logs each call as one line (arguments joined by |) plus the environment compose would see.
{
  printf 'call'; for arg in "$@"; do printf '|%s' "$arg"; done; printf '\\n'
  printf 'env|HOST_UID=%s|HOST_GID=%s|VLLM_MONITOR_OUT=%s|GF_SECURITY_ADMIN_PASSWORD=%s\\n' "$HOST_UID" "$HOST_GID" "$VLLM_MONITOR_OUT" "$GF_SECURITY_ADMIN_PASSWORD"
} >> "$FAKE_DOCKER_LOG"
case "$1" in
  info) echo 28.0.0; exit 0 ;;
  compose)
    if [ -n "$FAKE_NO_PLUGIN" ]; then echo "docker: unknown command: docker compose" >&2; exit 1; fi
    [ "$2" = version ] && { echo "Docker Compose version v2.30.0"; exit 0; }
    case " $* " in *" config "*) [ -n "$FAKE_COMPOSE_CONFIG" ] && printf '%s\\n' "$FAKE_COMPOSE_CONFIG" ;; esac
    exit "\${FAKE_COMPOSE_EXIT:-0}" ;;
esac
exit 0
`;

const FAKE_DOCKER_COMPOSE = `#!/bin/sh
{ printf 'v1'; for arg in "$@"; do printf '|%s' "$arg"; done; printf '\\n'; } >> "$FAKE_DOCKER_LOG"
exit 0
`;

describe("compose commands with a mock docker (no engine here)", () => {
  let dir = "";
  let bin = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "vllm-monitor-fakedocker-"));
    bin = join(dir, "bin");
    await mkdir(bin);
    await writeFile(join(bin, "docker"), FAKE_DOCKER);
    await writeFile(join(bin, "docker-compose"), FAKE_DOCKER_COMPOSE);
    await chmod(join(bin, "docker"), 0o755);
    await chmod(join(bin, "docker-compose"), 0o755);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function run(args: readonly string[], extraEnv: Record<string, string> = {}) {
    const log = join(dir, `calls-${Math.random().toString(36).slice(2)}.log`);
    // A stack registry of this file's own: the stacks `up` records here are not the machine's.
    const env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      FAKE_DOCKER_LOG: log,
      XDG_STATE_HOME: join(dir, "state"),
      ...extraEnv,
    };
    const result = await runCli(args, env);
    const lines = existsSync(log) ? (await readFile(log, "utf8")).trim().split("\n") : [];
    const calls = lines.filter((line) => line.startsWith("call|") || line.startsWith("v1|")).map((line) => line.split("|"));
    const envs = lines.filter((line) => line.startsWith("env|"));
    return { ...result, calls, envs };
  }

  test("up renders the configs, then starts compose detached with the rendered env file", async () => {
    const root = await mkdtemp(join(tmpdir(), "vllm-monitor-up-"));
    await writeFile(join(root, ".env"), "ADMIN_USER=admin\nADMIN_PASSWORD=not-a-real-password\nVLLM_TARGET=\nGRAFANA_PORT=3456\n", {
      mode: 0o600,
    });
    const out = join(root, "build");
    const result = await run(["up", "--env-file", join(root, ".env"), "--out", out, "--build", "--logs"]);
    assert.equal(result.code, 0, result.stderr);
    // `config` lists the services' images; the mock's is empty, so no image is looked up or pulled.
    const verbs = result.calls.map((call) => call.slice(1).find((arg) => ["info", "version", "config", "up", "logs"].includes(arg)));
    assert.deepEqual(verbs, ["info", "version", "config", "up", "logs"]);
    const up = result.calls[3] ?? [];
    assert.ok(up.includes(join(out, "compose.env")));
    assert.deepEqual(up.slice(-4), ["up", "--detach", "--remove-orphans", "--build"]);
    assert.match(await readFile(join(out, "compose.env"), "utf8"), /^COMPOSE_PROFILES='demo'$/m);
    assert.ok(existsSync(join(out, "prometheus", "prometheus.yml")));
    assert.match(result.stdout, /Grafana: http:\/\/127\.0\.0\.1:3456\//);
    assert.doesNotMatch(result.stdout + result.stderr, /not-a-real-password/);
    await rm(root, { recursive: true, force: true });
  });

  test("up in agent mode starts only Prometheus and what it scrapes, with the agent flag of the image's version", async () => {
    const root = await mkdtemp(join(tmpdir(), "vllm-monitor-up-"));
    await writeFile(
      join(root, ".env"),
      "PROMETHEUS_MODE=agent\nREMOTE_WRITE_URL=http://vm:8428/api/v1/write\nVLLM_TARGET=\nPROMETHEUS_IMAGE=registry.example.com/prom/prometheus:v2.53.1\n",
      { mode: 0o600 },
    );
    const out = join(root, "build");
    // why: `compose config` names the file's services (without images, so nothing is pulled).
    const services = "services:\n  prometheus: {}\n  node-exporter: {}\n  simulator: {}\n  grafana: {}\n";
    const result = await run(["up", "--env-file", join(root, ".env"), "--out", out], { FAKE_COMPOSE_CONFIG: services });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /ADMIN_PASSWORD/, "an agent needs no Grafana password");
    const up = result.calls.find((call) => call.includes("up")) ?? [];
    assert.deepEqual(up.slice(up.indexOf("--remove-orphans") + 1), ["prometheus", "node-exporter", "simulator"]);
    assert.match(await readFile(join(out, "compose.env"), "utf8"), /^PROMETHEUS_MODE_ARG='--enable-feature=agent'$/m);
    assert.match(result.stdout, /the agent is starting, watching the built-in simulator; forwarding to http:\/\/vm:8428\/api\/v1\/write/);
    assert.doesNotMatch(result.stdout, /Grafana:/);
    assert.equal(existsSync(join(out, "grafana")), false, "no Grafana files for an agent");
    assert.match(
      await readFile(join(out, "compose.env"), "utf8"),
      /^GF_SECURITY_ADMIN_PASSWORD='[A-Za-z0-9_-]{32}'$/m,
      "a password nobody knows keeps compose's parser happy",
    );
    await rm(root, { recursive: true, force: true });
  });

  test("up with an invalid .env exits 2 and starts nothing", async () => {
    const root = await mkdtemp(join(tmpdir(), "vllm-monitor-up-"));
    await writeFile(join(root, ".env"), "ADMIN_USER=admin\nGRAFANA_PORT=not-a-port\n", { mode: 0o600 });
    const result = await run(["up", "--env-file", join(root, ".env"), "--out", join(root, "build")]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /GRAFANA_PORT/);
    assert.ok(!result.calls.some((call) => call.includes("up")), "compose up ran");
    await rm(root, { recursive: true, force: true });
  });

  test("down stops every profile with the rendered env file, then deletes the rendered configs", async () => {
    const out = await makeOutputFolder();
    const result = await run(["down", "--out", out]);
    assert.equal(result.code, 0, result.stderr);
    const down = result.calls.find((call) => call.includes("down"));
    assert.ok(down, JSON.stringify(result.calls));
    assert.deepEqual(down.slice(1, 8), [
      "compose",
      "--project-name",
      "vllm-monitor",
      "--env-file",
      join(out, "compose.env"),
      "--file",
      down[7] ?? "",
    ]);
    assert.ok(down[7]?.endsWith("docker-compose.yml"));
    for (const profile of ["demo", "gpu", "nvidia-smi", "alerts"]) assert.ok(down.includes(profile), `down without --profile ${profile}`);
    assert.ok(!down.includes("--volumes"), "down deleted the data volumes");
    assert.equal(existsSync(join(out, "compose.env")), false);
    assert.equal(existsSync(join(out, "prometheus")), false);
    await rm(dirname(out), { recursive: true, force: true });
  });

  test("down after clean still stops the stack, with placeholder credentials and no env file", async () => {
    const out = join(dir, "never-rendered");
    const result = await run(["down", "--out", out]);
    assert.equal(result.code, 0, result.stderr);
    const down = result.calls.find((call) => call.includes("down"));
    assert.ok(down);
    assert.ok(!down.includes("--env-file"));
    assert.ok(result.envs.some((line) => line.includes("GF_SECURITY_ADMIN_PASSWORD=unused-by-this-command")));
  });

  test("logs hands compose the absolute output folder and the host user's ids", async () => {
    const out = await makeOutputFolder();
    const result = await run(["logs", "--no-follow", "--out", out, "grafana"]);
    assert.equal(result.code, 0, result.stderr);
    const logs = result.calls.find((call) => call.includes("logs"));
    assert.deepEqual(logs?.slice(-4), ["logs", "--tail", "100", "grafana"]);
    const uid = String(process.getuid?.());
    assert.ok(
      result.envs.some((line) => line.includes(`HOST_UID=${uid}|`) && line.includes(`VLLM_MONITOR_OUT=${out}|`)),
      result.envs.join("\n"),
    );
    await rm(dirname(out), { recursive: true, force: true });
  });

  test("logs before anything was rendered says how to render", async () => {
    const result = await run(["logs", "--out", join(dir, "nothing-here")]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /compose\.env does not exist/);
    assert.match(result.stderr, /vllm-monitor up/);
  });

  test("falls back to docker-compose v1 when the compose plugin is missing", async () => {
    const out = await makeOutputFolder();
    const result = await run(["build", "--out", out], { FAKE_NO_PLUGIN: "1" });
    assert.equal(result.code, 0, result.stderr);
    const build = result.calls.find((call) => call[0] === "v1" && call.includes("build"));
    assert.ok(build, JSON.stringify(result.calls));
    assert.deepEqual(build.slice(1, 3), ["--project-name", "vllm-monitor"]);
    await rm(dirname(out), { recursive: true, force: true });
  });

  test("a failing compose command exits 1, names the command and keeps the configs for a retry", async () => {
    const out = await makeOutputFolder();
    const result = await run(["down", "--out", out], { FAKE_COMPOSE_EXIT: "17" });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Could not stop the compose stack: `docker compose .* down --remove-orphans` exited with 17/);
    assert.equal(existsSync(join(out, "compose.env")), true);
    await rm(dirname(out), { recursive: true, force: true });
  });
});
