import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { findFreePort, startProcess, waitUntil, type ManagedProcess } from "../../src/process/index.js";
import { startPrometheus, type RunningPrometheus } from "../helpers/prometheus.js";
import { closedPort, doctorWith, startHttpServer, type RunningServer } from "./helpers.js";
import { currentVllmPage } from "./pages.js";

/** Debian's node_exporter on a free loopback port. */
async function startNodeExporter(): Promise<{ port: number; process: ManagedProcess }> {
  const port = await findFreePort();
  const running = startProcess({
    name: "node-exporter",
    command: process.env.NODE_EXPORTER_BIN ?? "/usr/bin/prometheus-node-exporter",
    args: [`--web.listen-address=127.0.0.1:${port}`, "--no-collector.systemd"],
  });
  await waitUntil(
    async () => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      await response?.arrayBuffer();
      return response?.ok === true;
    },
    { what: `node_exporter on port ${port}`, timeoutMs: 20_000, intervalMs: 100 },
  );
  return { port, process: running };
}

describe("doctor checks every exporter target and every scrape job, not only vLLM", () => {
  let vllm: RunningServer;
  let nodeExporter: { port: number; process: ManagedProcess };
  let gpuPort: number;
  let prometheus: RunningPrometheus;

  before(async () => {
    vllm = await startHttpServer((_request, response) => {
      response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
      response.end(currentVllmPage("exporter-model"));
    });
    nodeExporter = await startNodeExporter();
    gpuPort = await closedPort();
    prometheus = await startPrometheus({
      config: [
        "scrape_configs:",
        "  - job_name: vllm",
        `    static_configs: [{ targets: ["127.0.0.1:${vllm.port}"] }]`,
        "  - job_name: gpu",
        `    static_configs: [{ targets: ["127.0.0.1:${gpuPort}"] }]`,
        "",
      ].join("\n"),
    });
    await prometheus.waitForScrapes(1);
  });

  after(async () => {
    await prometheus?.stop();
    await nodeExporter?.process.stop();
    await vllm?.close();
  });

  test("checks NODE_EXPORTER_TARGETS and GPU_EXPORTER_TARGETS and fails on the one that does not answer", async () => {
    const result = await doctorWith(
      [
        `VLLM_TARGET=127.0.0.1:${vllm.port}`,
        `NODE_EXPORTER_TARGETS=127.0.0.1:${nodeExporter.port}`,
        `GPU_EXPORTER_TARGETS=127.0.0.1:${gpuPort}`,
      ],
      ["--prometheus-url", `http://127.0.0.1:${await closedPort()}`, "--timeout", "2000"],
    );
    assert.equal(result.code, 1, result.stdout);
    const blocks = result.stdout.split("\n\n");
    const block = (port: number) => blocks.find((text) => text.startsWith(`http://127.0.0.1:${port}/metrics`)) ?? "";
    assert.match(
      block(nodeExporter.port),
      /\(from NODE_EXPORTER_TARGETS\)\n.*✔ TCP connection[\s\S]*✔ node_exporter: \d+ of the families the dashboards read/,
    );
    assert.match(
      block(gpuPort),
      /\(from GPU_EXPORTER_TARGETS\)\n\s+✖ connection refused on 127\.0\.0\.1:\d+\n\s+fix: is a GPU exporter \(dcgm-exporter or nvidia_gpu_exporter\) running/,
    );
    assert.match(result.stdout, /Problems found: 1 of 3 targets\./);
  });

  test("says a node_exporter target that serves something else is not node_exporter", async () => {
    const result = await doctorWith(
      [`VLLM_TARGET=127.0.0.1:${vllm.port}`, `NODE_EXPORTER_TARGETS=127.0.0.1:${vllm.port}`],
      ["--prometheus-url", `http://127.0.0.1:${await closedPort()}`, "--timeout", "2000"],
    );
    assert.equal(result.code, 1, result.stdout);
    assert.match(
      result.stdout,
      /✖ serves \d+ series but none of node_exporter's that the dashboards read\n\s+fix: point NODE_EXPORTER_TARGETS at node_exporter/,
    );
  });

  test("says All good only when every scrape job's targets are up: a down job of Prometheus is a problem", async () => {
    const result = await doctorWith([`VLLM_TARGET=127.0.0.1:${vllm.port}`], ["--prometheus-url", prometheus.url, "--timeout", "2000"]);
    assert.equal(result.code, 1, result.stdout);
    assert.match(
      result.stdout,
      new RegExp(`✖ Prometheus target http://127\\.0\\.0\\.1:${gpuPort}/metrics \\(job gpu\\) is down: .*connection refused`),
    );
    assert.doesNotMatch(result.stdout, /All good/);
    assert.match(result.stdout, /Problems found: 0 of 1 target, and in Prometheus\./);
  });

  test("says All good when the vLLM target and the exporters all answer", async () => {
    const result = await doctorWith(
      [`VLLM_TARGET=127.0.0.1:${vllm.port}`, `NODE_EXPORTER_TARGETS=127.0.0.1:${nodeExporter.port}`],
      ["--prometheus-url", `http://127.0.0.1:${await closedPort()}`, "--timeout", "2000"],
    );
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /All good: 2 targets checked\./);
  });
});
