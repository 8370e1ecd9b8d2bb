import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { knownSeriesNames } from "../../src/catalog/index.js";
import { dashboardFiles } from "../../src/dashboards/index.js";
import { allSelectedValues, dashboardQueries, substituteVariables } from "../../src/dashboards/inspect.js";
import { isUserError } from "../../src/errors.js";
import { defaultThresholds, droppedFamilies, recordingRules, ruleFiles, validateThresholds } from "../../src/rules/index.js";

describe("thresholds", () => {
  test("accept the shipped latency objectives, which sit on bucket edges", () => {
    assert.doesNotThrow(() => validateThresholds(defaultThresholds()));
  });

  test("reject every latency objective that is not a bucket edge, naming each one and the edges", () => {
    const thresholds = { ...defaultThresholds(), ttft: { ...defaultThresholds().ttft, seconds: 2 }, e2e: { ...defaultThresholds().e2e, seconds: 45 } };
    assert.throws(
      () => ruleFiles(thresholds),
      (error: unknown) =>
        isUserError(error) &&
        error.problems.some((problem) => problem.startsWith("ttft.seconds = 2 is not a bucket edge")) &&
        error.problems.some((problem) => problem.startsWith("e2e.seconds = 45 is not a bucket edge") && problem.includes("40, 50")),
    );
  });

  test("move the alert, the SLO panel and the recorded quantile together", () => {
    const thresholds = { ...defaultThresholds(), ttft: { seconds: 1, quantile: 0.9, for: "10m" } };
    const alerts = ruleFiles(thresholds).map((file) => file.content).join("\n");
    assert.match(alerts, /job_model_name:vllm_time_to_first_token_seconds:p90_rate5m > 1\n/);
    const slo = dashboardFiles({ source: "recorded", thresholds }).flatMap((file) => dashboardQueries(file.dashboard)).find((query) => query.panelTitle === "Requests with TTFT ≤ 1s");
    assert.ok(slo, "the SLO panel follows the threshold");
    assert.match(slo.expr, /le=~"1\(\\\\\.0\)\?"/);
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
    const queries = [
      ...dashboardFiles().flatMap((file) => dashboardQueries(file.dashboard)).map((query) => substituteVariables(query.expr, allSelectedValues())),
      ...recordingRules(defaultThresholds()).map((rule) => rule.expr),
    ];
    for (const name of knownSeriesNames()) if (queries.some((expr) => expr.includes(name))) used.add(name);
    const dropped = [...used].filter((name) => droppedFamilies().some((family) => new RegExp(`^(?:${family.regex})$`).test(name)));
    assert.deepEqual(dropped, []);
    assert.ok(used.size > 30);
  });
});
