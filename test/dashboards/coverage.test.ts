import assert from "node:assert/strict";
import { test } from "node:test";
import { METRICS_VERSIONS, metricsVersionSpec } from "../../src/catalog/index.js";
import { thresholds } from "../../src/mixin/index.js";
import { dashboardFiles } from "../../src/mixin/dashboards/index.js";
import { dashboardQueries } from "../../src/mixin/dashboards/inspect.js";
import { alertRules, recordingRules } from "../../src/mixin/rules/index.js";

/** Every expression the mixin evaluates: panel queries of both variants, recording rules and alerts. */
function everyExpression(): string[] {
  const panels = (["raw", "recorded"] as const).flatMap((source) =>
    dashboardFiles({ source, thresholds: thresholds() }).flatMap((file) => dashboardQueries(file.dashboard)),
  );
  return [
    ...panels.map((query) => query.expr),
    ...recordingRules(thresholds()).map((rule) => rule.expr),
    ...alertRules(thresholds()).map((rule) => rule.expr),
  ];
}

// why: V0 (0.6) gauges such as swapped requests and the CPU cache have no V1 counterpart to show beside them.
for (const version of METRICS_VERSIONS.filter((item) => item !== "0.6")) {
  test(`reads every vllm: family vLLM ${version} exports, with every feature switched on, in a panel or a rule`, () => {
    const spec = metricsVersionSpec(version, {
      maxModelLen: 8192,
      speculativeTokens: 3,
      lora: true,
      kvCacheMetrics: true,
      kvConnector: "multi",
    });
    const expressions = everyExpression();
    // why: a name followed by a letter, digit or underscore is another family (`_total` vs `_total_created`), so match whole names.
    const reads = (name: string) =>
      expressions.some((expr) => new RegExp(`${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![a-z0-9]|_(?!bucket|sum|count))`).test(expr));
    const unread = spec.families.map((item) => item.family.name).filter((name) => name.startsWith("vllm:") && !reads(name));
    assert.deepEqual(unread, []);
  });
}
