import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadSettings } from "../../src/config/load.js";
import { isUserError } from "../../src/errors.js";
import { composePrometheusArgs } from "../../src/render/compose-env.js";
import { nativePaths } from "../../src/stack/native/paths.js";
import { prometheusSpec } from "../../src/stack/native/plan.js";

const settingsWith = (environment: Record<string, string>) =>
  loadSettings({ cwd: "/nonexistent-folder", environment: { VLLM_TARGET: "gpu-1:8000", ...environment } });

describe("PROMETHEUS_RETENTION_TIME and PROMETHEUS_RETENTION_SIZE", () => {
  const retention = { PROMETHEUS_RETENTION_TIME: "30d", PROMETHEUS_RETENTION_SIZE: "50GB" };

  test("reach the native Prometheus as its retention flags", () => {
    const spec = prometheusSpec({
      binaries: { prometheus: { path: "/usr/bin/prometheus", source: "PATH" } },
      settings: settingsWith(retention),
      paths: nativePaths("/work/site", "build", { dataDir: "/data/site", demo: false }),
    });
    assert.ok(spec.args.includes("--storage.tsdb.retention.time=30d"));
    assert.ok(spec.args.includes("--storage.tsdb.retention.size=50GB"));
  });

  test("reach the compose Prometheus through compose.env, and an agent gets neither (it would refuse to start)", () => {
    assert.deepEqual(composePrometheusArgs(settingsWith(retention), undefined), {
      storage: "--storage.tsdb.path=/prometheus",
      mode: "--storage.tsdb.retention.time=30d",
      size: "--storage.tsdb.retention.size=50GB",
    });
    const agent = composePrometheusArgs(
      settingsWith({ ...retention, PROMETHEUS_MODE: "agent", REMOTE_WRITE_URL: "http://vm:8428/api/v1/write" }),
      { major: 3, minor: 5, text: "3.5.0" },
    );
    assert.ok(![agent.storage, agent.mode, agent.size].some((flag) => flag.startsWith("--storage.tsdb.")), JSON.stringify(agent));
  });

  test("refuse a size without a unit and a duration Prometheus cannot read, naming the variables", () => {
    assert.throws(
      () => settingsWith({ PROMETHEUS_RETENTION_TIME: "15 days", PROMETHEUS_RETENTION_SIZE: "50" }),
      (error: unknown) =>
        isUserError(error) &&
        /PROMETHEUS_RETENTION_TIME .*not a Prometheus duration/.test(error.message) &&
        /PROMETHEUS_RETENTION_SIZE .*not a Prometheus size/.test(error.message),
    );
  });
});
