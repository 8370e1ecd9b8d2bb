import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runDoctor } from "../../src/doctor/index.js";
import { reloadPrometheus } from "../../src/prometheus/client.js";
import { waitUntil } from "../../src/process/index.js";
import { startPrometheus, type RunningPrometheus } from "../helpers/prometheus.js";
import { startHttpServer, type RunningServer } from "./helpers.js";
import { currentVllmPage } from "./pages.js";

const TOKEN = "the-right-token";

describe("doctor right after a fixing reload", () => {
  let vllm: RunningServer;
  let prometheus: RunningPrometheus;

  before(async () => {
    vllm = await startHttpServer((request, response) => {
      if (request.headers.authorization !== `Bearer ${TOKEN}`) {
        response.writeHead(401).end("unauthorized");
        return;
      }
      response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
      response.end(currentVllmPage("reload-model"));
    });
    // Before the fix: no token, so every scrape is refused.
    prometheus = await startPrometheus({
      config: `scrape_configs:\n  - job_name: vllm\n    static_configs: [{ targets: ["127.0.0.1:${vllm.port}"] }]\n`,
      args: ["--web.enable-lifecycle"],
    });
    await waitUntil(async () => (await prometheus.targets()).some((target) => target.health === "down"), {
      what: "the tokenless scrape to fail",
      timeoutMs: 20_000,
      intervalMs: 100,
    });
  });

  after(async () => {
    await prometheus?.stop();
    await vllm?.close();
  });

  test("does not repeat the stale 'health down, apply with reload' advice Prometheus still shows for the old configuration", async () => {
    // The fix: the token, as `reload` renders it. A long interval keeps the new scrape loop's first scrape far away
    // (its offset is below one interval), so what /api/v1/targets shows right after is the old result.
    await writeFile(join(prometheus.dir, "token"), TOKEN, { mode: 0o600 });
    await writeFile(
      join(prometheus.dir, "prometheus.yml"),
      `global:\n  scrape_interval: 1h\nscrape_configs:\n  - job_name: vllm\n    authorization: { credentials_file: ${join(prometheus.dir, "token")} }\n    static_configs: [{ targets: ["127.0.0.1:${vllm.port}"] }]\n`,
    );
    const reloaded = await reloadPrometheus(prometheus.url);
    assert.equal(reloaded.reachable, true);
    const stale = (await prometheus.targets())[0];
    const report = await runDoctor({
      targets: [{ address: `127.0.0.1:${vllm.port}`, scheme: "http", metricsPath: "/metrics", source: "VLLM_TARGET" }],
      dashboards: [],
      settings: {
        token: TOKEN,
        insecureSkipVerify: false,
        timeoutMs: 2_000,
        prometheusUrl: prometheus.url,
        applyCommand: "vllm-monitor reload",
        freshScrapeWaitMs: 1_500,
      },
    });
    const checks = report.targets[0]?.checks ?? [];
    const prometheusSays = checks.find((check) => check.check === "prometheus");
    assert.ok(prometheusSays !== undefined, JSON.stringify(checks));
    assert.doesNotMatch(prometheusSays.message, /health down/, `Prometheus still showed ${stale?.health ?? "?"} from before the reload`);
    assert.doesNotMatch(prometheusSays.fix ?? "", /vllm-monitor reload/);
    // Either the new loop happened to scrape already (health up), or doctor says there is no result under the new configuration yet.
    assert.match(
      prometheusSays.message,
      /health up|has not been scraped since Prometheus loaded its configuration at .*\(its last result, health down: .*401.*, is from before that\)/,
    );
  });
});
