import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startPrometheus, type RunningPrometheus } from "../helpers/prometheus.js";
import { closedPort, runCli, startHttpServer, writeEnvFile, type RunningServer } from "./helpers.js";
import { currentVllmPage } from "./pages.js";

describe("vllm-monitor doctor with a running Prometheus", () => {
  let healthy: RunningServer;
  let refusing: RunningServer;
  let prometheus: RunningPrometheus | undefined;
  let prometheusUrl: string;
  let missingPort: number;
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
    prometheus = await startPrometheus({
      config: [
        "scrape_configs:",
        "  - job_name: vllm",
        `    static_configs: [{ targets: ["127.0.0.1:${healthy.port}", "127.0.0.1:${refusing.port}"] }]`,
        "",
      ].join("\n"),
    });
    prometheusUrl = prometheus.url;
    await prometheus.waitForScrapes(1, { job: "vllm" });
  });

  after(async () => {
    await prometheus?.stop();
    await Promise.all([healthy?.close(), refusing?.close()]);
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
    const result = await runCli([
      "doctor",
      "--env-file",
      env.path,
      "--prometheus-url",
      `http://127.0.0.1:${missingPort}`,
      "--target",
      `http://127.0.0.1:${healthy.port}/metrics`,
    ]);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /⚠ Prometheus not reachable, scrape health skipped/);
  });
});
