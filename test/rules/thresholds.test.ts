import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { knownSeriesNames } from "../../src/catalog/index.js";
import { loadSettings } from "../../src/config/load.js";
import { allSelectedValues, dashboardPanels, dashboardQueries, substituteVariables } from "../../src/mixin/dashboards/inspect.js";
import { buildMixin, defaultThresholdInputs, mixinConfig, scaleDuration, thresholds } from "../../src/mixin/index.js";
import { droppedFamilies, recordingRules, recordsByName } from "../../src/mixin/rules/index.js";
import { sloBadRateRecord } from "../../src/promql/slo.js";
import { ruleFileText } from "../../src/render/rule-file-text.js";

describe("the mixin's thresholds", () => {
  test("move the alert, the SLO panels, the threshold lines and the runbook links together from the settings", () => {
    const settings = loadSettings({
      cwd: "/",
      environment: { SLO_TTFT_SECONDS: "1", SLO_E2E_SECONDS: "30", RUNBOOK_BASE_URL: "https://wiki.example.com/vllm/runbooks" },
    });
    const mixin = buildMixin(mixinConfig(settings));
    const alerts = mixin.ruleFiles.map((file) => ruleFileText(file)).join("\n");
    assert.match(alerts, /job_model_name:vllm_time_to_first_token_seconds:p95_rate5m > 1\n/);
    assert.match(alerts, /\(job_model_name:vllm_e2e_request_latency_seconds:p95_rate5m > 30\) and on \(job, model_name, monitor\)/);
    // why: the TTFT budget counts the requests above the same bucket edge.
    assert.match(recordsByName(mixin.ruleFiles).get(sloBadRateRecord("ttft")) ?? "", /le=~"1\(\\\\\.0\)\?"/);
    assert.match(alerts, /runbook_url: https:\/\/wiki\.example\.com\/vllm\/runbooks#vllmtimetofirsttokenhigh\n/);
    for (const dashboards of [mixin.recordedDashboards, mixin.portableDashboards]) {
      const queries = dashboards.flatMap((file) => dashboardQueries(file.dashboard));
      const slo = queries.find((query) => query.panelTitle === "Requests with TTFT ≤ 1s");
      assert.ok(slo, "the SLO panel follows SLO_TTFT_SECONDS");
      assert.match(slo.expr, /le=~"1\(\\\\\.0\)\?"/);
      assert.ok(queries.some((query) => query.panelTitle === "Requests with E2E ≤ 30s"));
    }
  });

  test("turn GpuMemoryNearFull and its dashed line on with ALERT_GPU_FREE_MEMORY_GIB, and VllmReplicasBelowExpected with VLLM_EXPECTED_REPLICAS", () => {
    const names = (environment: Record<string, string>) =>
      buildMixin(mixinConfig(loadSettings({ cwd: "/", environment }))).alerts.map((rule) => rule.alert);
    assert.ok(!names({}).includes("GpuMemoryNearFull"));
    assert.ok(!names({}).includes("VllmReplicasBelowExpected"));
    const mixin = buildMixin(
      mixinConfig(loadSettings({ cwd: "/", environment: { ALERT_GPU_FREE_MEMORY_GIB: "0.5", VLLM_EXPECTED_REPLICAS: "3" } })),
    );
    const byName = new Map(mixin.alerts.map((rule) => [rule.alert, rule]));
    assert.match(byName.get("GpuMemoryNearFull")?.expr ?? "", / < 536870912$/);
    assert.match(byName.get("VllmReplicasBelowExpected")?.expr ?? "", / < 3$/);
    const headroom = mixin.recordedDashboards
      .flatMap((file) => dashboardPanels(file.dashboard))
      .find((panel) => panel.title === "GPU memory headroom") as {
      fieldConfig?: { defaults?: { thresholds?: { steps?: { value: number | null }[] } } };
    };
    assert.deepEqual(
      headroom.fieldConfig?.defaults?.thresholds?.steps?.map((step) => step.value),
      [null, 536870912],
    );
  });

  test("scale every for: by ALERT_FOR_SCALE, keeping at least one second", () => {
    assert.equal(scaleDuration("10m", 1), "10m");
    assert.equal(scaleDuration("3m", 0.1), "18s");
    assert.equal(scaleDuration("10m", 2), "20m");
    assert.equal(scaleDuration("5m", 0.001), "1s");
    const scaled = thresholds({ ...defaultThresholdInputs(), forScale: 0.5 });
    assert.equal(scaled.targetDown.for, "90s");
    assert.equal(scaled.ttft.for, "5m");
  });
});

describe("metric_relabel drops", () => {
  test("drop the _created gauges and give a reason for every family dropped", () => {
    const families = droppedFamilies();
    assert.ok(families.some((family) => new RegExp(`^(?:${family.regex})$`).test("vllm_example_tokens_created")));
    for (const family of families) assert.ok(family.reason.length > 40, family.regex);
  });

  test("never drop a series that a dashboard query or a recording rule reads", () => {
    const used = new Set<string>();
    const mixin = buildMixin();
    const queries = [
      ...[...mixin.recordedDashboards, ...mixin.portableDashboards]
        .flatMap((file) => dashboardQueries(file.dashboard))
        .map((query) => substituteVariables(query.expr, allSelectedValues())),
      ...recordingRules(thresholds()).map((rule) => rule.expr),
    ];
    for (const name of knownSeriesNames()) if (queries.some((expr) => expr.includes(name))) used.add(name);
    const dropped = [...used].filter((name) => droppedFamilies().some((family) => new RegExp(`^(?:${family.regex})$`).test(name)));
    assert.deepEqual(dropped, []);
    assert.ok(used.size > 30);
  });
});
