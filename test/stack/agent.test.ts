import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSettings } from "../../src/config/load.js";
import { Secret } from "../../src/config/secret.js";
import { isUserError } from "../../src/errors.js";
import type { RemoteWriteQueue } from "../../src/prometheus/client.js";
import { queueHealth } from "../../src/prometheus/remote-write-health.js";
import { agentFlag, parsePrometheusVersion, versionFromImage } from "../../src/prometheus/version.js";
import { agentComposeServices } from "../../src/stack/lifecycle.js";
import { nativePaths } from "../../src/stack/native/paths.js";
import { planNativeProcesses, type NativePlanInput } from "../../src/stack/native/plan.js";
import { recordStack } from "../../src/stack/registry.js";
import { formatStatus, isHealthy, type StackStatus } from "../../src/stack/status.js";
import { runCli } from "../helpers/cli.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();
const AGENT = { PROMETHEUS_MODE: "agent", REMOTE_WRITE_URL: "http://vm:8428/api/v1/write" };
const settingsWith = (environment: Record<string, string>) =>
  loadSettings({ cwd: "/nonexistent-folder", environment, hostName: "gpu-node-7" });

function input(environment: Record<string, string>, major = 2): NativePlanInput {
  return {
    binaries: {
      prometheus: { path: "/usr/bin/prometheus", source: "PATH" },
      nodeExporter: { path: "/usr/bin/node_exporter", source: "PATH" },
      alertmanager: { path: "/usr/bin/alertmanager", source: "PATH" },
      grafana: { path: "/opt/grafana/bin/grafana", source: "GRAFANA_HOME", homePath: "/opt/grafana", style: "grafana server" },
    },
    settings: settingsWith(environment),
    paths: nativePaths("/work/site", "build", { dataDir: "/data/site", demo: true }),
    cli: { command: "/usr/bin/node", args: ["/pkg/dist/cli/main.js"] },
    alertmanagerConfig: "/pkg/alertmanager/alertmanager.yml",
    grafanaAdmin: { user: new Secret("ADMIN_USER", "admin"), password: new Secret("ADMIN_PASSWORD", "grafana-admin-pw") },
    prometheusVersion: { major, minor: major === 2 ? 42 : 5, text: major === 2 ? "2.42.0" : "3.5.0" },
  };
}

function queue(overrides: Partial<RemoteWriteQueue>): RemoteWriteQueue {
  return {
    url: "http://vm:8428/api/v1/write",
    remoteName: "abc123",
    samplesTotal: 1000,
    samplesFailed: 0,
    samplesRetried: 0,
    samplesDropped: 0,
    samplesPending: 10,
    lagSeconds: 2,
    ...overrides,
  };
}

describe("agent mode", () => {
  test("runs Prometheus with the agent flag of its major version and a write-ahead log of its own, and no Alertmanager or Grafana", () => {
    const two = planNativeProcesses(input(AGENT, 2));
    assert.deepEqual(
      two.map((spec) => spec.name),
      ["prometheus", "simulator", "node-exporter"],
    );
    assert.deepEqual(two.find((spec) => spec.name === "prometheus")?.args, [
      "--config.file=/work/site/build/prometheus/prometheus.yml",
      "--web.listen-address=127.0.0.1:9090",
      "--enable-feature=agent",
      "--storage.agent.path=/data/site/demo/prometheus-agent-wal",
      "--web.enable-lifecycle",
    ]);
    assert.ok(
      planNativeProcesses(input(AGENT, 3))
        .find((spec) => spec.name === "prometheus")
        ?.args.includes("--agent"),
    );
    assert.deepEqual(
      planNativeProcesses(input({})).map((spec) => spec.name),
      ["prometheus", "simulator", "node-exporter", "alertmanager", "grafana"],
      "a server keeps them",
    );
  });

  test("reads the version from the binary's output and from image tags, and refuses a Prometheus older than 2.32", () => {
    assert.deepEqual(parsePrometheusVersion("prometheus, version 2.42.0+ds (branch: debian/sid, revision: 2.42.0+ds-5)"), {
      major: 2,
      minor: 42,
      text: "2.42.0+ds",
    });
    assert.deepEqual(parsePrometheusVersion("prometheus, version 3.5.0 (branch: HEAD)"), { major: 3, minor: 5, text: "3.5.0" });
    assert.equal(parsePrometheusVersion("command not found"), undefined);
    assert.equal(versionFromImage("prom/prometheus:v3.5.0")?.major, 3);
    assert.equal(versionFromImage("registry.example.com:5000/prom/prometheus:v2.53.1")?.major, 2);
    assert.equal(versionFromImage("vllm-monitor-standin/prometheus:2.42-bookworm")?.major, 2);
    assert.equal(versionFromImage("registry.example.com:5000/prom/prometheus"), undefined, "a registry port is not a tag");
    assert.equal(versionFromImage("prom/prometheus:latest"), undefined);
    assert.equal(versionFromImage("prom/prometheus@sha256:abcdef"), undefined);
    assert.equal(agentFlag({ major: 2, minor: 32, text: "2.32.0" }), "--enable-feature=agent");
    assert.throws(
      () => agentFlag({ major: 2, minor: 31, text: "2.31.1" }),
      (error: unknown) => isUserError(error) && /too old for agent mode/.test(error.message),
    );
  });

  test("reload refuses to switch a running Prometheus between server and agent, and says to restart", async () => {
    const dir = temporaryDir("vllm-monitor-agent-reload-");
    writeFileSync(join(dir, ".env"), "PROMETHEUS_MODE=agent\nREMOTE_WRITE_URL=http://vm:8428/api/v1/write\n");
    const environment = { XDG_STATE_HOME: join(dir, "state") };
    // why: this test process stands in for a live supervisor; reload stops at the mode check, before any render or signal.
    recordStack(
      {
        kind: "native",
        supervisorPid: process.pid,
        phase: "running",
        startedAt: "2025-01-01T00:00:00.000Z",
        demo: true,
        outDir: join(dir, "build"),
        envFile: join(dir, ".env"),
        workDir: dir,
        logFile: join(dir, "native.log"),
        prometheusUrl: "http://127.0.0.1:1",
        prometheusMode: "server",
        processes: [],
      },
      environment,
    );
    const result = await runCli(["reload"], { cwd: dir, env: environment });
    assert.equal(result.code, 2, result.output);
    assert.match(result.output, /PROMETHEUS_MODE is agent in \.env, but this Prometheus runs as a server; a reload cannot switch it/);
    assert.match(result.output, /vllm-monitor down && vllm-monitor up --native/);
  });

  test("runs in compose only Prometheus and what it scrapes on this host, named as docker-compose.yml names them", () => {
    assert.deepEqual(agentComposeServices(settingsWith(AGENT)), ["prometheus", "node-exporter", "simulator"]);
    assert.deepEqual(agentComposeServices(settingsWith({ ...AGENT, VLLM_TARGET: "gpu-1:8000", GPU_EXPORTER: "dcgm" })), [
      "prometheus",
      "node-exporter",
      "dcgm-exporter",
    ]);
  });
});

describe("remote-write queue health", () => {
  test("calls a queue whose samples the receiver mostly rejects failing, and says they are lost", () => {
    const health = queueHealth(queue({ samplesTotal: 4000, samplesFailed: 4000 }));
    assert.equal(health.state, "rejected");
    assert.match(health.message, /^failing: the receiver rejected 4000 of 4000 samples \(HTTP 4xx: wrong credentials/);
    assert.match(health.message, /dropped/);
  });

  test("calls a queue far behind, or that never delivered while retrying, failing but not lost", () => {
    assert.equal(queueHealth(queue({ lagSeconds: 300, samplesRetried: 900 })).state, "behind");
    assert.match(
      queueHealth(queue({ lagSeconds: 300, samplesRetried: 900 })).message,
      /behind by 300 s, retrying .* arrive when it is back/,
    );
    assert.equal(queueHealth(queue({ lagSeconds: undefined, samplesRetried: 5 })).state, "behind");
  });

  test("calls a delivering queue ok, one rejection long ago included, and a fresh one starting", () => {
    assert.deepEqual(queueHealth(queue({})), { state: "ok", message: "ok: 1000 of 1000 samples accepted, 2 s behind the newest scrape" });
    assert.match(queueHealth(queue({ samplesFailed: 10 })).message, /10 rejected earlier/);
    assert.equal(queueHealth(queue({ lagSeconds: undefined, samplesTotal: 0 })).state, "starting");
  });

  test("status shows an agent's failing queue and is unhealthy for it, while its processes and targets are fine", () => {
    const status: StackStatus = {
      running: true,
      stack: {
        kind: "native",
        supervisorPid: 100,
        phase: "running",
        startedAt: "2025-01-01T00:00:00.000Z",
        demo: false,
        outDir: "/srv/build",
        envFile: "/srv/.env",
        workDir: "/srv",
        logFile: "/srv/.vllm-monitor/native.log",
        prometheusUrl: "http://127.0.0.1:9090",
        prometheusMode: "agent",
        remoteWriteUrl: "http://vm:8428/api/v1/write",
        processes: [{ name: "prometheus", pid: 102, command: "prometheus", ports: [{ port: 9090, variable: "PROMETHEUS_PORT" }] }],
      },
      processes: [{ name: "prometheus", pid: 102, ports: [9090], alive: true }],
      targets: [{ job: "vllm", instance: "gpu-1:8000", health: "up", lastError: "", scrapeUrl: "http://gpu-1:8000/metrics" }],
      remoteWrite: [queue({ samplesTotal: 500, samplesFailed: 500 })],
    };
    const text = formatStatus(status);
    assert.match(text, /Prometheus runs as an agent: it scrapes and forwards, and answers no queries/);
    assert.match(text, /^Remote write to http:\/\/vm:8428\/api\/v1\/write: failing: the receiver rejected 500 of 500 samples/m);
    assert.equal(isHealthy(status), false);
    assert.equal(isHealthy({ ...status, remoteWrite: [queue({})] }), true);
    assert.equal(isHealthy({ ...status, remoteWrite: undefined, remoteWriteError: "http://127.0.0.1:9090 did not answer" }), false);
  });
});
