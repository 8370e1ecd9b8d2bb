import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { scrape, vllm } from "../../src/catalog/index.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { waitUntil } from "../../src/process/index.js";
import { createWorkspace, query, waitForQuery, type Workspace } from "./harness.js";

interface ConfigStatus {
  readonly data: { readonly yaml: string };
}

async function loadedConfig(prometheusUrl: string): Promise<string> {
  const response = await fetch(`${prometheusUrl}/api/v1/status/config`, { signal: AbortSignal.timeout(5_000) });
  return ((await response.json()) as ConfigStatus).data.yaml;
}

// Real processes: the native demo stack in the background (Debian's Prometheus, node_exporter,
// Alertmanager, the simulator), driven the way a user would from other folders and terminals.
describe("operating a running native stack", () => {
  let workspace: Workspace;
  let outsider: RunningSimulator;
  before(async () => {
    workspace = await createWorkspace();
    outsider = await startSimulator({ port: 0, seed: 3 });
  });
  after(async () => {
    await workspace.cleanup();
    await outsider.close();
  });

  test("up --detach says once that Grafana is missing and how to see the dashboards", async () => {
    const up = await workspace.cli(["up", "--native", "--detach"]);
    assert.equal(up.code, 0, up.output);
    assert.equal(up.output.match(/Grafana is not installed here/g)?.length, 1, up.output);
    assert.match(up.output, /the built-in viewer serves the dashboards at http:\/\/127\.0\.0\.1:(\d+) .*ssh -N -L \1:127\.0\.0\.1:\1 /);
    await waitForQuery(workspace.prometheusUrl, `${scrape.up.name}{job="vllm"}`, (samples) => samples.some((sample) => sample.value === 1));
  });

  test("conf and clean refuse to break it, naming reload and down, and every target stays up", async () => {
    const conf = await workspace.cli(["conf", "prometheus"], { cwd: workspace.dir });
    assert.equal(conf.code, 2, conf.output);
    assert.match(
      conf.output,
      /A native stack \(supervisor pid \d+\) runs from .*build; rendering it again from here would break every scrape of it/,
    );
    assert.match(conf.output, /vllm-monitor reload/);
    const clean = await workspace.cli(["clean"], { cwd: workspace.dir });
    assert.equal(clean.code, 2, clean.output);
    assert.match(clean.output, /deleting its configuration would break every scrape/);
    assert.match(
      readFileSync(join(workspace.dir, "build", "prometheus", "targets", "node.json"), "utf8"),
      new RegExp(`127\\.0\\.0\\.1:${workspace.ports.nodeExporter}`),
      "the native config is still in place",
    );
    const down = await query(workspace.prometheusUrl, `${scrape.up.name} == 0`);
    assert.deepEqual(down, [], "no target went down");
  });

  test("reload applies a .env change without a restart and keeps the samples, and says which settings need a restart", async () => {
    const before = workspace.recordedPids();
    await waitForQuery(workspace.prometheusUrl, vllm.generationTokens.name, (samples) => samples.length > 0);
    // why: a moment with samples before the reload; after it they must still be there.
    const firstMoment = Date.now() / 1000;
    workspace.writeEnv({ SCRAPE_INTERVAL: "2s", NODE_EXPORTER_PORT: String(workspace.ports.nodeExporter + 1) });
    const reload = await workspace.cli(["reload"], { cwd: "/" });
    assert.equal(reload.code, 0, reload.output);
    assert.match(reload.output, /configuration re-rendered and Prometheus reloaded it/);
    assert.match(reload.output, /NODE_EXPORTER_PORT is \d+ in \.env, but node-exporter keeps listening on \d+ until the stack restarts/);
    await waitUntil(async () => /scrape_interval: 2s/.test(await loadedConfig(workspace.prometheusUrl)), {
      what: "Prometheus to load the new scrape interval",
      timeoutMs: 30_000,
    });
    assert.deepEqual(workspace.recordedPids(), before, "nothing was restarted");
    assert.ok(
      (await query(workspace.prometheusUrl, vllm.generationTokens.name, firstMoment)).length > 0,
      "the earlier samples are still there",
    );
    await waitForQuery(workspace.prometheusUrl, `${scrape.up.name}{job="node"}`, (samples) => samples.some((sample) => sample.value === 1));
  });

  test("doctor checks the demo's simulator and the stack's own exporters, and names reload for a target Prometheus does not scrape", async () => {
    const demo = await workspace.cli(["doctor"], { cwd: workspace.dir });
    assert.equal(demo.code, 0, demo.output);
    assert.match(demo.output, /demo mode: checking the built-in simulator the stack watches, at 127\.0\.0\.1:\d+/);
    assert.match(demo.output, /Prometheus scrapes it: health up/);
    assert.match(
      demo.output,
      /\(from the running stack's own node job\)\n\s+✔ TCP connection[\s\S]*?✔ node_exporter: \d+ of the families the dashboards read/,
    );
    assert.match(demo.output, /\(from the running stack's own gpu job\)/);
    assert.match(demo.output, /All good: 3 targets checked/, "the simulator, the stack's node_exporter and the simulator's GPU page");

    const elsewhere = await workspace.cli(["doctor", "--target", `http://${new URL(outsider.urls[0] ?? "").host}/metrics`], {
      cwd: workspace.dir,
    });
    assert.match(elsewhere.output, /does not scrape this target/);
    assert.match(elsewhere.output, /apply the \.env with `vllm-monitor reload`/);
    assert.doesNotMatch(elsewhere.output, /vllm-monitor up\b/);
  });

  test("logs, from any folder, shows the native stack's lines", async () => {
    const logs = await workspace.cli(["logs", "--no-follow", "prometheus"], { cwd: "/" });
    assert.equal(logs.code, 0, logs.output);
    assert.match(logs.output, /^prometheus +\| /m);
    assert.doesNotMatch(logs.output, /^simulator +\| /m, "only the named process");
    assert.doesNotMatch(logs.output, /Docker engine/);
  });

  test("down, from any folder, stops it", async () => {
    const pids = workspace.recordedPids();
    const down = await workspace.cli(["down"], { cwd: "/" });
    assert.equal(down.code, 0, down.output);
    assert.deepEqual(workspace.recordedPids(), []);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), `process ${pid} is still running`);
    const status = await workspace.cli(["status"], { cwd: "/" });
    assert.equal(status.code, 1);
    assert.match(status.output, /No stack is running/);
  });
});
