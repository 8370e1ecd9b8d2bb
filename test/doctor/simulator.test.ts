import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { closedPort, runCli, writeEnvFile } from "./helpers.js";

const TOKEN = "simulator-token-8b1f6c2e-never-printed";

describe("vllm-monitor doctor against the vLLM simulator", () => {
  const simulators: RunningSimulator[] = [];
  const envFiles: ReturnType<typeof writeEnvFile>[] = [];
  let noPrometheus: string;

  before(async () => {
    noPrometheus = `http://127.0.0.1:${await closedPort()}`;
  });
  after(async () => {
    await Promise.all(simulators.map((simulator) => simulator.close()));
    for (const env of envFiles) env.remove();
  });

  async function simulator(options: Parameters<typeof startSimulator>[0]): Promise<string> {
    const running = await startSimulator({ latencies: false, ...options });
    simulators.push(running);
    return `${running.urls[0] ?? ""}/metrics`;
  }

  function envFile(lines: string[]) {
    const env = writeEnvFile(lines);
    envFiles.push(env);
    return env;
  }

  for (const [version, expected] of [
    ["current", /✔ current vLLM V1 metrics \(≥ 0\.11\).*models: sim-current; engines: 0, 1/],
    ["0.10", /✔ 0\.10-era vLLM V1 metrics .*models: sim-0\.10; engines: 0, 1/],
    ["0.6", /✔ vLLM V0-engine metrics .*no engine label.*models: sim-0\.6; engines: \(no engine label\)/],
  ] as const) {
    test(`recognises the ${version} metric generation, its model and engines, and exits 0`, async () => {
      const url = await simulator({ metricsVersion: version, engines: 2, model: `sim-${version}` });
      const result = await runCli(["doctor", "--env-file", envFile([]).path, "--prometheus-url", noPrometheus, "--target", url]);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, expected);
      assert.match(result.stdout, /✔ Prometheus text format/);
      // The shipped dashboards fall back to older names, so no panel fed by vLLM stays empty.
      assert.match(result.stdout, /✔ all \d+ dashboard panels fed by this target would show data/);
      // why: a default server runs without LoRA and speculative decoding; those panels say so instead of counting as empty.
      assert.match(
        result.stdout,
        /Optional panels with nothing to show here[^\n]*\n(?: {4}- .+\n)*? {4}- vLLM \/ Instances \/ LoRA adapters running and waiting: needs --enable-lora/,
      );
      assert.match(result.stdout, /Panels fed by other exporters, not by this target:\n {4}- a GPU exporter/);
    });
  }

  test("with the wrong token reports 401 with the fix, exits 1, and prints neither token", async () => {
    const url = new URL(await simulator({ token: TOKEN }));
    const wrong = `${TOKEN}-but-wrong`;
    const env = envFile([`VLLM_TARGET=${url.host}`, `VLLM_METRICS_AUTH_TOKEN=${wrong}`]);
    const text = await runCli(["doctor", "--env-file", env.path, "--prometheus-url", noPrometheus]);
    const json = await runCli(["doctor", "--env-file", env.path, "--prometheus-url", noPrometheus, "--json"]);
    assert.equal(text.code, 1);
    assert.equal(json.code, 1);
    assert.match(
      text.stdout,
      /✖ HTTP 401 from \/metrics: the endpoint rejected the token in VLLM_METRICS_AUTH_TOKEN; vLLM itself never asks for a token on \/metrics/,
    );
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr]) {
      assert.ok(!output.includes(TOKEN), "a token leaked into the output");
    }
  });

  test("with the right token passes, and still never prints it", async () => {
    const url = new URL(await simulator({ token: TOKEN }));
    const env = envFile([`VLLM_TARGET=${url.host}`, `VLLM_METRICS_AUTH_TOKEN=${TOKEN}`]);
    const result = await runCli(["doctor", "--env-file", env.path, "--prometheus-url", noPrometheus, "--json"]);
    assert.equal(result.code, 0, result.stdout);
    assert.equal((JSON.parse(result.stdout) as { ok: boolean }).ok, true);
    assert.ok(!result.stdout.includes(TOKEN) && !result.stderr.includes(TOKEN));
  });

  describe("over TLS with its self-signed certificate", () => {
    let url: URL;
    let caFile: string;

    before(async () => {
      url = new URL(await simulator({ tls: true, metricsVersion: "current" }));
      const env = envFile([]);
      caFile = join(env.dir, "ca.pem");
      writeFileSync(caFile, simulators.at(-1)?.caCertPem ?? "");
    });

    test("without VLLM_TLS_CA_FILE reports the unknown CA and how to trust it", async () => {
      const env = envFile([`VLLM_TARGET=${url.host}`, "SCHEMA=https"]);
      const result = await runCli(["doctor", "--env-file", env.path, "--prometheus-url", noPrometheus]);
      assert.equal(result.code, 1);
      assert.match(result.stdout, /✖ the server's certificate .* is signed by an unknown CA/);
      assert.match(result.stdout, /set VLLM_TLS_CA_FILE/);
    });

    test("with VLLM_TLS_CA_FILE trusts it and checks the metrics", async () => {
      const env = envFile([`VLLM_TARGET=${url.host}`, "SCHEMA=https", `VLLM_TLS_CA_FILE=${caFile}`]);
      const result = await runCli(["doctor", "--env-file", env.path, "--prometheus-url", noPrometheus]);
      assert.equal(result.code, 0, result.stdout);
      assert.match(result.stdout, /✔ TLS certificate .* is trusted and matches 127\.0\.0\.1/);
      assert.match(result.stdout, /✔ current vLLM V1 metrics/);
    });

    test("with VLLM_TLS_INSECURE_SKIP_VERIFY notes the untrusted certificate but goes on", async () => {
      const env = envFile([`VLLM_TARGET=${url.host}`, "SCHEMA=https", "VLLM_TLS_INSECURE_SKIP_VERIFY=true"]);
      const result = await runCli(["doctor", "--env-file", env.path, "--prometheus-url", noPrometheus]);
      assert.equal(result.code, 0, result.stdout);
      assert.match(result.stdout, /⚠ the server's certificate .* is signed by an unknown CA/);
      assert.match(result.stdout, /✔ current vLLM V1 metrics/);
    });
  });
});
