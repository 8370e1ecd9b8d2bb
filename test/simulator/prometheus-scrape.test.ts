import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dcgm, vllm } from "../../src/catalog/index.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { startPrometheus, type RunningPrometheus } from "../helpers/prometheus.js";

const TOKEN = "scrape-token-456";

function hostPort(url: string): string {
  return new URL(url).host;
}

describe("a real Prometheus scraping simulators", () => {
  let plain: RunningSimulator;
  let secured: RunningSimulator;
  let prometheus: RunningPrometheus;

  before(async () => {
    plain = await startSimulator({ instances: 2, engines: 2, model: ["model-a", "model-b"], seed: 11, gpuPort: 0, gpus: 2 });
    secured = await startSimulator({ tls: true, token: TOKEN, seed: 12, metricsVersion: "0.10" });
    const targets = (sim: RunningSimulator) => sim.urls.map((url) => `"${hostPort(url)}"`).join(", ");
    prometheus = await startPrometheus({
      files: { "ca.pem": secured.caCertPem ?? "", token: TOKEN, "wrong-token": "not-the-token" },
      config: (dir) => `
scrape_configs:
  - job_name: plain
    static_configs: [{ targets: [${targets(plain)}] }]
  - job_name: gpu
    static_configs: [{ targets: ["${hostPort(plain.gpuUrl ?? "")}"] }]
  - job_name: tls-token
    scheme: https
    tls_config: { ca_file: ${dir}/ca.pem }
    authorization: { type: Bearer, credentials_file: ${dir}/token }
    static_configs: [{ targets: [${targets(secured)}] }]
  - job_name: wrong-token
    scheme: https
    tls_config: { ca_file: ${dir}/ca.pem }
    authorization: { type: Bearer, credentials_file: ${dir}/wrong-token }
    static_configs: [{ targets: [${targets(secured)}] }]
`,
    });
    await prometheus.waitForScrapes(3);
  });
  after(async () => {
    await prometheus?.stop();
    await plain?.close();
    await secured?.close();
  });

  test("scrapes plain http targets: two models, two engines each", async () => {
    const up = await prometheus.query('up{job="plain"}');
    assert.deepEqual(
      up.map((sample) => sample.value),
      [1, 1],
    );
    const running = await prometheus.query(`count by (model_name) (${vllm.numRequestsRunning.name}{job="plain"})`);
    assert.deepEqual(running.map((sample) => [sample.metric.model_name, sample.value]).sort(), [
      ["model-a", 2],
      ["model-b", 2],
    ]);
  });

  test("scrapes https with the CA file and the bearer token from credentials_file", async () => {
    const up = await prometheus.query('up{job="tls-token"}');
    assert.equal(up[0]?.value, 1, (await prometheus.targets()).map((t) => t.lastError).join("; "));
    const legacy = await prometheus.query('count(vllm:gpu_cache_usage_perc{job="tls-token"})');
    assert.equal(legacy[0]?.value, 1);
  });

  test("marks the target down with a 401 error when the token is wrong", async () => {
    const up = await prometheus.query('up{job="wrong-token"}');
    assert.equal(up[0]?.value, 0);
    const target = (await prometheus.targets()).find((item) => item.labels.job === "wrong-token");
    assert.match(target?.lastError ?? "", /401/);
  });

  test("scrapes dcgm-exporter GPU metrics with one series per GPU", async () => {
    const temperatures = await prometheus.query(`${dcgm.gpuTemp.name}{job="gpu"}`);
    assert.equal(temperatures.length, 2);
    for (const sample of temperatures) {
      assert.ok(sample.metric.UUID?.startsWith("GPU-"));
      assert.equal(sample.metric.modelName, "NVIDIA H200");
      assert.ok(sample.value >= 30 && sample.value <= 90);
    }
    const used = await prometheus.query(
      `${dcgm.fbUsed.name}{job="gpu"} + ${dcgm.fbFree.name}{job="gpu"} + ${dcgm.fbReserved.name}{job="gpu"}`,
    );
    assert.ok(used.every((sample) => sample.value === 143771));
  });
});
