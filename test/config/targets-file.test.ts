import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseTargetsFile } from "../../src/config/targets-file.js";
import { waitUntil } from "../../src/process/index.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { startPrometheus, type RunningPrometheus } from "../helpers/prometheus.js";
import { runCli } from "../helpers/cli.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();
const DEFAULTS = { scheme: "http", metricsPath: "/metrics" } as const;

describe("a VLLM_TARGETS_FILE, checked as Prometheus reads it", () => {
  const running: { prometheus?: RunningPrometheus; simulator?: RunningSimulator } = {};
  after(async () => {
    await running.prometheus?.stop();
    await running.simulator?.close();
  });

  test("a URL in targets is never scraped by real Prometheus, and the loader and doctor reject it with file:line (exit 2)", async () => {
    running.simulator = await startSimulator({ port: 0, seed: 5 });
    const good = new URL(running.simulator.urls[0] ?? "").host;
    const dir = temporaryDir("targets-file-");
    const fleet = join(dir, "fleet.yml");
    writeFileSync(
      fleet,
      `- targets: ["${good}"]\n  labels: { pool: a }\n- targets: ["${good}", "http://${good}/metrics"]\n  labels: { pool: b }\n`,
    );
    running.prometheus = await startPrometheus({
      config: `scrape_configs:\n  - job_name: fleet\n    file_sd_configs: [{ files: ["${fleet}"] }]\n`,
    });
    await waitUntil(async () => ((await running.prometheus?.targets()) ?? []).filter((target) => target.health === "up").length === 2, {
      what: "the two valid targets to be scraped",
      timeoutMs: 30_000,
    });
    const scraped = (await running.prometheus.targets()).map((target) => `${target.labels.pool} ${target.scrapeUrl}`).sort();
    assert.deepEqual(
      scraped,
      [`a http://${good}/metrics`, `b http://${good}/metrics`],
      "Prometheus drops the URL target: it is never scraped",
    );

    const parsed = parseTargetsFile(`- targets: ["${good}"]\n- targets: ["${good}", "http://${good}/metrics"]\n`, "fleet.yml", DEFAULTS);
    assert.deepEqual(parsed.problems, [
      `fleet.yml:2: target "http://${good}/metrics" has a scheme or path, which Prometheus rejects in file_sd; write host:port and put the scheme and path in labels __scheme__ and __metrics_path__`,
    ]);

    writeFileSync(join(dir, ".env"), `VLLM_TARGETS_FILE=fleet.yml\n`);
    const doctor = await runCli(["doctor", "--env-file", join(dir, ".env"), "--prometheus-url", "http://127.0.0.1:1"]);
    assert.equal(doctor.code, 2, doctor.output);
    assert.match(doctor.stderr, /VLLM_TARGETS_FILE \(.*\.env:1\): fleet\.yml:3: target "http:\/\/.*" has a scheme or path/);
    assert.doesNotMatch(doctor.output, /All good/);
  });

  test("gives a target without a port the scheme's port, as Prometheus does, and takes __scheme__ and __metrics_path__ from labels", () => {
    const parsed = parseTargetsFile(
      "- targets: [a, 'b:9000']\n  labels: { __scheme__: https, __metrics_path__: /m }\n- targets: ['[fd00::1]']\n",
      "f.yml",
      DEFAULTS,
    );
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.targets, [
      { address: "a:443", scheme: "https", metricsPath: "/m" },
      { address: "b:9000", scheme: "https", metricsPath: "/m" },
      { address: "[fd00::1]:80", scheme: "http", metricsPath: "/metrics" },
    ]);
  });

  test("reports unknown keys, bad label names, a group without targets and broken YAML", () => {
    assert.match(
      parseTargetsFile("- target: [a]\n", "f.yml", DEFAULTS).problems.join("\n"),
      /f\.yml:1: unknown key "target"[\s\S]*f\.yml:1: a group needs targets/,
    );
    assert.match(
      parseTargetsFile("- targets: [a]\n  labels: { 'bad-name': x }\n", "f.yml", DEFAULTS).problems.join("\n"),
      /f\.yml:2: "bad-name" is not a valid label name/,
    );
    assert.match(parseTargetsFile("- targets: [a\n", "f.yml", DEFAULTS).problems.join("\n"), /is not valid YAML or JSON/);
    assert.deepEqual(parseTargetsFile("", "f.yml", DEFAULTS), { targets: [], problems: [] });
    assert.deepEqual(parseTargetsFile("[]", "f.json", DEFAULTS), { targets: [], problems: [] });
  });
});
