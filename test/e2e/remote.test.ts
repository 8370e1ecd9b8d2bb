import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { scrape, vllm } from "../../src/catalog/index.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { fetchScrapeTargets } from "../../src/prometheus/client.js";
import { waitUntil } from "../../src/process/index.js";
import { createWorkspace, waitForQuery, type Workspace } from "./harness.js";

const TOKEN = "remote-e2e-token-4711";

/** `host:port` of a simulator base URL. */
function address(url: string): string {
  return new URL(url).host;
}

// Real processes: a TLS + token simulator standing in for a remote vLLM, Debian's Prometheus.
describe("native stack watching a remote https vLLM with a token", () => {
  let simulator: RunningSimulator;
  let workspace: Workspace;
  let fleetFile: string;
  before(async () => {
    // Two servers behind one certificate: the second joins later through the targets file.
    simulator = await startSimulator({ tls: true, token: TOKEN, instances: 2, seed: 7 });
    workspace = await createWorkspace();
    const caFile = join(workspace.dir, "ca.pem");
    writeFileSync(caFile, simulator.caCertPem ?? "");
    fleetFile = join(workspace.dir, "fleet.json");
    writeFileSync(fleetFile, "[]\n");
    workspace.writeEnv({
      VLLM_TARGET: address(simulator.urls[0] ?? ""),
      SCHEMA: "https",
      VLLM_METRICS_AUTH_TOKEN: TOKEN,
      VLLM_TLS_CA_FILE: caFile,
      VLLM_TARGETS_FILE: fleetFile,
    });
  });
  after(async () => {
    await workspace.cleanup();
    await simulator.close();
  });

  test("scrapes the https target with the token and CA file, and picks up a target added to VLLM_TARGETS_FILE without a restart", async () => {
    const up = await workspace.cli(["up", "--native", "--detach"]);
    assert.equal(up.code, 0, up.output);
    assert.ok(!up.output.includes(TOKEN), "the token is never printed");
    const first = address(simulator.urls[0] ?? "");
    await waitForQuery(workspace.prometheusUrl, `${scrape.up.name}{instance="${first}"}`, (samples) =>
      samples.some((sample) => sample.value === 1),
    );
    await waitForQuery(workspace.prometheusUrl, `${vllm.numRequestsRunning.name}{instance="${first}"}`, (samples) => samples.length > 0);

    const pidsBefore = workspace.recordedPids();
    const second = address(simulator.urls[1] ?? "");
    writeFileSync(fleetFile, `${JSON.stringify([{ targets: [second], labels: { fleet: "e2e" } }])}\n`);
    await waitUntil(
      async () => {
        const targets = await fetchScrapeTargets(workspace.prometheusUrl);
        return targets.reachable && targets.value.some((target) => target.instance === second && target.health === "up");
      },
      {
        what: `${second} from the targets file to be scraped`,
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    await waitForQuery(workspace.prometheusUrl, `${vllm.numRequestsRunning.name}{instance="${second}"}`, (samples) => samples.length > 0);
    assert.deepEqual(workspace.recordedPids(), pidsBefore, "Prometheus was not restarted");

    const status = await workspace.cli(["status"]);
    assert.equal(status.code, 0, status.output);
    assert.ok(status.output.includes(second), status.output);
  });

  test("doctor reports 401 with the fix and exits 1 when the token is wrong", async () => {
    const wrongEnv = join(workspace.dir, "wrong.env");
    writeFileSync(
      wrongEnv,
      [
        `VLLM_TARGET=${address(simulator.urls[0] ?? "")}`,
        "SCHEMA=https",
        "VLLM_METRICS_AUTH_TOKEN=not-the-right-token",
        `VLLM_TLS_CA_FILE=${join(workspace.dir, "ca.pem")}`,
        "",
      ].join("\n"),
    );
    const result = await workspace.cli(["doctor", "--env-file", wrongEnv, "--prometheus-url", "http://127.0.0.1:1"]);
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /401/);
    assert.match(result.output, /VLLM_METRICS_AUTH_TOKEN/);
    assert.ok(!result.output.includes("not-the-right-token"), "the token is never printed");
  });
});
