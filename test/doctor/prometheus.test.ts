import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchPrometheusTargets } from "../../src/doctor/index.js";
import { findFreePort, startProcess, waitForHttp, waitUntil, type ManagedProcess } from "../../src/process/index.js";
import { closedPort, runCli, startHttpServer, writeEnvFile, type RunningServer } from "./helpers.js";
import { currentVllmPage } from "./pages.js";

describe("vllm-monitor doctor with a running Prometheus", () => {
  let healthy: RunningServer;
  let refusing: RunningServer;
  let prometheus: ManagedProcess | undefined;
  let prometheusUrl: string;
  let missingPort: number;
  const dir = mkdtempSync(join(tmpdir(), "doctor-prometheus-"));
  const env = writeEnvFile([]);

  before(async () => {
    healthy = await startHttpServer((_request, response) => {
      response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
      response.end(currentVllmPage("prom-model"));
    });
    refusing = await startHttpServer((_request, response) => {
      response.writeHead(401);
      response.end("unauthorized");
    });
    missingPort = await closedPort();
    const port = await findFreePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, "prometheus.yml"),
      [
        "global: { scrape_interval: 1s, scrape_timeout: 1s }",
        "scrape_configs:",
        "  - job_name: vllm",
        `    static_configs: [{ targets: ["127.0.0.1:${healthy.port}", "127.0.0.1:${refusing.port}"] }]`,
        "",
      ].join("\n"),
    );
    prometheus = startProcess({
      name: "prometheus",
      command: "prometheus",
      args: [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`],
    });
    await waitForHttp(`${prometheusUrl}/-/ready`, { what: "Prometheus to be ready", timeoutMs: 30_000 });
    await waitUntil(
      async () => {
        const targets = await fetchPrometheusTargets(prometheusUrl, 2_000);
        return targets.reachable && targets.targets.length === 2 && targets.targets.every((target) => target.health !== "unknown");
      },
      { what: "Prometheus to scrape both targets once", timeoutMs: 30_000 },
    );
  });

  after(async () => {
    await prometheus?.stop();
    await Promise.all([healthy?.close(), refusing?.close()]);
    rmSync(dir, { recursive: true, force: true });
    env.remove();
  });

  test("adds each target's health and last scrape error from Prometheus to the report", async () => {
    const result = await runCli([
      "doctor",
      "--env-file",
      env.path,
      "--prometheus-url",
      prometheusUrl,
      "--target",
      `http://127.0.0.1:${healthy.port}/metrics`,
      "--target",
      `http://127.0.0.1:${refusing.port}/metrics`,
      "--target",
      `http://127.0.0.1:${missingPort}/metrics`,
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /✔ Prometheus at http:\/\/127\.0\.0\.1:\d+ answers \(2 active targets\)/);
    const blocks = result.stdout.split("\n\n");
    const block = (port: number) => blocks.find((text) => text.startsWith(`http://127.0.0.1:${port}/metrics`)) ?? "";
    assert.match(block(healthy.port), /✔ Prometheus scrapes it: health up/);
    assert.match(block(refusing.port), /✖ Prometheus scrapes it: health down, last error: .*401/);
    assert.match(block(missingPort), /⚠ Prometheus at .* does not scrape this target/);
  });

  test("notes and skips Prometheus when nothing answers at --prometheus-url", async () => {
    const result = await runCli(["doctor", "--env-file", env.path, "--prometheus-url", `http://127.0.0.1:${missingPort}`, "--target", `http://127.0.0.1:${healthy.port}/metrics`]);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /⚠ Prometheus not reachable, scrape health skipped/);
  });
});
