import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSettings, monitorName } from "../../src/config/load.js";
import { isUserError } from "../../src/errors.js";
import { useTemporaryDirs } from "../helpers/temporary.js";

const temporaryDir = useTemporaryDirs();

function load(envText: string, files: Record<string, string> = {}) {
  const dir = temporaryDir("vllm-monitor-fleet-config-");
  writeFileSync(join(dir, ".env"), envText);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return loadSettings({ envFile: join(dir, ".env"), environment: {}, hostName: "gpu-node-7" });
}

function loadError(envText: string, files: Record<string, string> = {}): { message: string; problems: readonly string[] } {
  try {
    load(envText, files);
  } catch (error) {
    assert.ok(isUserError(error), String(error));
    assert.equal(error.exitCode, 2);
    return { message: error.message, problems: error.problems };
  }
  assert.fail("expected the settings to be refused");
}

describe("fleet settings", () => {
  test("default to a server that sends nothing, named after this host", () => {
    const settings = load("");
    assert.equal(settings.env.PROMETHEUS_MODE, "server");
    assert.equal(settings.env.REMOTE_WRITE_URL, undefined);
    assert.equal(monitorName(settings), "gpu-node-7");
    assert.deepEqual(settings.exporters, { node: { listed: [], fromFile: [] }, gpu: { listed: [], fromFile: [] } });
    assert.equal(monitorName(load("MONITOR_NAME=cluster-a\n")), "cluster-a");
  });

  test("read exporter lists in VLLM_TARGET's syntax, a bare host meaning the exporter's own port", () => {
    const settings = load(
      "NODE_EXPORTER_TARGETS=gpu-1, gpu-2:9101,[fd00::1],https://node.example.com/node/metrics\nGPU_EXPORTER_TARGETS=gpu-1,gpu-2:9835\n",
    );
    assert.deepEqual(settings.exporters.node.listed, [
      { address: "gpu-1:9100", scheme: "http", metricsPath: "/metrics" },
      { address: "gpu-2:9101", scheme: "http", metricsPath: "/metrics" },
      { address: "[fd00::1]:9100", scheme: "http", metricsPath: "/metrics" },
      { address: "node.example.com:443", scheme: "https", metricsPath: "/node/metrics" },
    ]);
    assert.deepEqual(
      settings.exporters.gpu.listed.map((target) => target.address),
      ["gpu-1:9400", "gpu-2:9835"],
    );
    assert.deepEqual(
      load("GPU_EXPORTER=nvidia-smi\nGPU_EXPORTER_TARGETS=gpu-1\n").exporters.gpu.listed.map((target) => target.address),
      ["gpu-1:9835"],
      "nvidia_gpu_exporter's port",
    );
  });

  test("read the exporters' file_sd files and refuse an address listed twice, naming both variables", () => {
    const settings = load("NODE_EXPORTER_TARGETS_FILE=nodes.yml\n", {
      "nodes.yml": "- targets: [gpu-1:9100]\n  labels: {hostname: gpu-1.example.com}\n",
    });
    assert.deepEqual(
      settings.exporters.node.fromFile.map((target) => target.address),
      ["gpu-1:9100"],
    );
    const { problems } = loadError(
      "NODE_EXPORTER_TARGETS=gpu-1\nNODE_EXPORTER_TARGETS_FILE=nodes.yml\nGPU_EXPORTER_TARGETS_FILE=gpus.json\n",
      {
        "nodes.yml": "- targets: [gpu-1:9100]\n",
        "gpus.json": '[{"targets": ["http://gpu-1:9400"]}]',
      },
    );
    assert.equal(problems.length, 2, problems.join("\n"));
    assert.match(
      problems[0] ?? "",
      /^NODE_EXPORTER_TARGETS \(.*\.env:1\): lists http:\/\/gpu-1:9100\/metrics more than once \(NODE_EXPORTER_TARGETS and NODE_EXPORTER_TARGETS_FILE together\)/,
    );
    assert.match(
      problems[1] ?? "",
      /^GPU_EXPORTER_TARGETS_FILE \(.*\.env:3\): gpus\.json:1: target "http:\/\/gpu-1:9400" has a scheme or path/,
    );
  });

  test("report every cross-variable mistake of remote write and agent mode in one message", () => {
    const { message, problems } = loadError(
      "PROMETHEUS_MODE=agent\nREMOTE_WRITE_BEARER_TOKEN=tok-123\nREMOTE_WRITE_USERNAME=tenant\nMONITOR_NAME=has space\nNODE_EXPORTER_TARGETS=bad host\n",
    );
    assert.match(message, /invalid configuration in .*\.env \(5 problems\)/);
    assert.deepEqual(
      problems.map((problem) => problem.split(" ")[0]),
      ["NODE_EXPORTER_TARGETS", "MONITOR_NAME", "PROMETHEUS_MODE", "REMOTE_WRITE_BEARER_TOKEN", "REMOTE_WRITE_USERNAME"],
    );
    const text = problems.join("\n");
    assert.match(text, /MONITOR_NAME \(.*\.env:4\): must be 1 to 128 printable characters without spaces/);
    assert.match(text, /PROMETHEUS_MODE \(.*\.env:1\): is agent, but REMOTE_WRITE_URL is empty.*How to fix: set REMOTE_WRITE_URL/);
    assert.match(
      text,
      /REMOTE_WRITE_BEARER_TOKEN \(.*\.env:2\): is set together with REMOTE_WRITE_USERNAME\/REMOTE_WRITE_PASSWORD.*\(value hidden\)/,
    );
    assert.match(text, /REMOTE_WRITE_USERNAME \(.*\.env:3\): is set but REMOTE_WRITE_PASSWORD is empty; basic auth needs both/);
    assert.ok(!text.includes("tok-123"), "a secret is never echoed");
  });

  test("refuse a remote-write URL holding credentials without echoing the password", () => {
    const { problems } = loadError("REMOTE_WRITE_URL=https://tenant:hunter2@metrics.example.com/api/v1/push\n");
    assert.equal(problems.length, 1);
    assert.match(
      problems[0] ?? "",
      /^REMOTE_WRITE_URL \(.*\.env:1\): holds a user name or password; put them in REMOTE_WRITE_USERNAME and REMOTE_WRITE_PASSWORD \(got "https:\/\/\*\*\*@metrics\.example\.com\/api\/v1\/push"\)/,
    );
    assert.ok(!problems[0]?.includes("hunter2"));
    assert.match(loadError("REMOTE_WRITE_URL=ftp://vm:8428/\n").problems[0] ?? "", /must start with http:\/\/ or https:\/\//);
  });

  test("accept an agent with basic auth and a CA, and note credentials that go nowhere", () => {
    const settings = load(
      "PROMETHEUS_MODE=agent\nREMOTE_WRITE_URL=https://vm.example.com:8428/api/v1/write?extra_label=site=a\nREMOTE_WRITE_USERNAME=tenant\nREMOTE_WRITE_PASSWORD=pw\n",
    );
    assert.equal(settings.env.REMOTE_WRITE_PASSWORD?.reveal(), "pw");
    assert.equal(String(settings.env.REMOTE_WRITE_PASSWORD), "[hidden]");
    assert.ok(
      load("REMOTE_WRITE_BEARER_TOKEN=tok\n").notes.some((note) =>
        /REMOTE_WRITE_BEARER_TOKEN is set but REMOTE_WRITE_URL is empty: nothing is sent anywhere/.test(note),
      ),
    );
  });
});
