import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vllm } from "../../src/catalog/index.js";
import { findFreePort, startProcess, waitForHttp, waitUntil, type ManagedProcess } from "../../src/process/index.js";
import { OUTPUT_LAYOUT } from "../../src/render/layout.js";
import { renderedComposeConfig, secretsInContainers } from "./checks.js";
import { dockerPrerequisites, suiteMode } from "./engine.js";
import { createComposeWorkspace, type ComposeWorkspace } from "./workspace.js";

const prerequisites = await dockerPrerequisites();
const TOKEN = `agent-token-${randomBytes(8).toString("hex")}`;
const MONITOR = "gpu-node-under-compose";

interface VmSeries {
  readonly metric: Readonly<Record<string, string>>;
}

/** Instant query against VictoriaMetrics' Prometheus-compatible API. */
async function vmQuery(url: string, expr: string): Promise<VmSeries[]> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(5_000) });
  const body = (await response.json()) as { data?: { result?: VmSeries[] } };
  return body.data?.result ?? [];
}

// Real processes: Prometheus (Debian's 2.42 stand-in image) in agent mode in its container,
// remote-writing into Debian's VictoriaMetrics on the host, reached through host.docker.internal.
describe("an agent under compose (PROMETHEUS_MODE=agent) forwarding to a central VictoriaMetrics", suiteMode(prerequisites), () => {
  let workspace: ComposeWorkspace;
  let store: ManagedProcess | undefined;
  let storeUrl = "";
  let dataDir = "";
  const outputs: string[] = [];

  before(async () => {
    if (prerequisites.missing !== undefined) return;
    workspace = await createComposeWorkspace("agent", prerequisites.user, prerequisites.images);
    // why: containers reach the host through the bridge's gateway, so the store listens on 0.0.0.0.
    const port = await findFreePort("0.0.0.0");
    dataDir = mkdtempSync(join(tmpdir(), "vllm-monitor-agent-store-"));
    store = startProcess({
      name: "victoria-metrics",
      command: "victoria-metrics",
      args: [`-httpListenAddr=0.0.0.0:${port}`, `-storageDataPath=${dataDir}`, "-search.latencyOffset=1s", "-retentionPeriod=1d"],
    });
    storeUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${storeUrl}/health`, { what: "VictoriaMetrics", timeoutMs: 30_000, intervalMs: 250 });
    workspace.writeEnv({
      PROMETHEUS_MODE: "agent",
      REMOTE_WRITE_URL: `http://host.docker.internal:${port}/api/v1/write`,
      REMOTE_WRITE_BEARER_TOKEN: TOKEN,
      MONITOR_NAME: MONITOR,
      SCRAPE_INTERVAL: "1s",
    });
    const up = await workspace.cli(["up"]);
    outputs.push(up.stdout, up.stderr);
    assert.equal(up.code, 0, up.stdout + up.stderr);
  });
  after(async () => {
    await workspace?.cleanup();
    await store?.stop();
    if (dataDir !== "") rmSync(dataDir, { recursive: true, force: true });
  });
  const ready = (): void => assert.equal(prerequisites.missing, undefined, prerequisites.missing);

  test("runs Prometheus with the agent flag and no Grafana or Alertmanager, healthy as the host user", async () => {
    ready();
    const containers = await workspace.waitHealthy(["volume-init", "prometheus", "node-exporter", "simulator"]);
    const services = containers.map((container) => container.service).sort();
    assert.ok(
      !services.includes("grafana") && !services.includes("alertmanager"),
      `an agent runs no Grafana or Alertmanager: ${services.join(", ")}`,
    );
    const config = await renderedComposeConfig(workspace);
    const command = config.services.prometheus?.command;
    assert.ok(Array.isArray(command) && command.includes("--enable-feature=agent"), `the 2.x agent flag: ${JSON.stringify(command)}`);
    assert.ok(Array.isArray(command) && command.some((arg) => arg.startsWith("--storage.agent.path=")), "a write-ahead log, no TSDB");
    const tokenFile = statSync(join(workspace.dir, "build", OUTPUT_LAYOUT.remoteWriteTokenFile));
    assert.equal(tokenFile.mode & 0o777, 0o600, "the remote-write token is a 0600 file");
    assert.equal(tokenFile.uid, workspace.user.uid);
  });

  test("vLLM, GPU and host series arrive in the store with the sender's name, and no secret shows in the containers", async () => {
    ready();
    await waitUntil(
      async () => {
        const jobs = new Set((await vmQuery(storeUrl, `count by (job) ({monitor="${MONITOR}"})`)).map((series) => series.metric.job));
        return ["vllm", "gpu", "node"].every((job) => jobs.has(job));
      },
      { what: "the vllm, gpu and node jobs to reach VictoriaMetrics", timeoutMs: 120_000, intervalMs: 2_000 },
    );
    const running = await vmQuery(storeUrl, vllm.numRequestsRunning.name);
    assert.ok(
      running.length > 0 && running.every((series) => series.metric.monitor === MONITOR && (series.metric.hostname ?? "") !== ""),
      JSON.stringify(running),
    );
    assert.deepEqual(await vmQuery(storeUrl, '{__name__=~".+_created"}'), [], "series no dashboard reads are not sent");
    assert.deepEqual(await secretsInContainers(workspace, { REMOTE_WRITE_BEARER_TOKEN: TOKEN }), []);
    for (const output of outputs) assert.ok(!output.includes(TOKEN), "the token is in the CLI's output");
  });
});
