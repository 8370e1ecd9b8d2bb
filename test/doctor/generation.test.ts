import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { dcgm, node, vllm, vllmLegacy } from "../../src/catalog/index.js";
import { catalogSeriesIn, classifyGeneration, panelCoverage, panelQueries } from "../../src/doctor/index.js";
import { recordsByName, type RuleFile } from "../../src/mixin/rules/index.js";
import type { DashboardSpec } from "../../src/mixin/dashboards/index.js";
import { parseExposition, sampleNames } from "../../src/exposition/index.js";
import { currentVllmPage, rayVllmPage, tenEraVllmPage, v0VllmPage } from "./pages.js";

describe("classifyGeneration", () => {
  test("calls a page with kv_cache_usage_perc and no gpu_cache_usage_perc current, with its models and engines", () => {
    const findings = classifyGeneration(parseExposition(currentVllmPage("llama")));
    assert.equal(findings.generation, "current");
    assert.deepEqual(findings.models, ["llama"]);
    assert.deepEqual(findings.engines, ["0", "1"]);
    assert.equal(findings.check.status, "ok");
  });

  test("calls a page with both KV-cache gauges 0.10-era", () => {
    assert.equal(classifyGeneration(parseExposition(tenEraVllmPage("m"))).generation, "0.10");
  });

  test("calls a page without engine label and with V0 gauges V0, naming the gauges", () => {
    const findings = classifyGeneration(parseExposition(v0VllmPage("opt")));
    assert.equal(findings.generation, "v0");
    assert.deepEqual(findings.engines, []);
    assert.match(findings.check.message, new RegExp(vllmLegacy.numRequestsSwapped.name));
  });

  test("recognises Ray-exported names and says the dashboards need vLLM's own endpoint", () => {
    const findings = classifyGeneration(parseExposition(rayVllmPage()));
    assert.equal(findings.generation, "none");
    assert.equal(findings.check.status, "problem");
    assert.match(findings.check.message, /Ray-exported/);
    assert.match(findings.check.fix ?? "", /Ray's metrics exporter/);
  });

  test("says a page of unrelated metrics has no vLLM metrics at all", () => {
    const findings = classifyGeneration(parseExposition("# TYPE go_goroutines gauge\ngo_goroutines 8\n"));
    assert.equal(findings.generation, "none");
    assert.match(findings.check.message, /no vllm: metrics at all/);
  });
});

function dashboard(title: string, panels: { title: string; exprs: string[] }[]): { spec: DashboardSpec } {
  const panelSpecs = panels.map((panel) => ({
    key: panel.title,
    kind: "timeseries" as const,
    title: panel.title,
    description: "",
    unit: "short",
    targets: panel.exprs.map((expr) => ({ expr, legend: "" })),
  }));
  return { spec: { uid: title, title, description: "", tags: [], variables: [], rows: [{ title: "a row", panels: panelSpecs }] } };
}

describe("panelCoverage", () => {
  const kv = `max by (model_name) (${vllm.kvCacheUsagePerc.name}{job="vllm"}) or max by (model_name) (${vllmLegacy.gpuCacheUsagePerc.name})`;
  const ttft = `histogram_quantile(0.95, sum by (le) (rate(${vllm.timeToFirstToken.name}_bucket[$__rate_interval])))`;
  const gpu = `avg(${Object.values(dcgm)[0]?.name ?? ""})`;
  const nodePanel = `rate(${Object.values(node)[0]?.name ?? ""}[5m])`;
  const files = [
    dashboard("Overview", [
      { title: "KV cache", exprs: [kv] },
      { title: "TTFT p95", exprs: [ttft] },
      { title: "GPU utilisation", exprs: [gpu] },
      { title: "CPU", exprs: [nodePanel] },
    ]),
  ];

  test("finds panels inside rows and the catalog series each query reads, ignoring label values", () => {
    const panels = panelQueries(files);
    assert.deepEqual(
      panels.map((panel) => panel.panel),
      ["KV cache", "TTFT p95", "GPU utilisation", "CPU"],
    );
    const known = new Set([vllm.kvCacheUsagePerc.name, vllmLegacy.gpuCacheUsagePerc.name]);
    assert.deepEqual(
      [...catalogSeriesIn(`${vllm.kvCacheUsagePerc.name}{model_name="${vllmLegacy.gpuCacheUsagePerc.name}"}`, known, new Map())],
      [vllm.kvCacheUsagePerc.name],
    );
  });

  test("keeps a panel whose fallback name is present and lists the one whose series are all missing", () => {
    const present = sampleNames(parseExposition(v0VllmPage("opt")));
    const coverage = panelCoverage(panelQueries(files), present, "v0");
    assert.deepEqual(
      coverage.emptyPanels.map((panel) => [panel.panel, panel.missing]),
      [["TTFT p95", [`${vllm.timeToFirstToken.name}_bucket`]]],
    );
    assert.deepEqual(
      coverage.otherExporterPanels.map((panel) => [panel.panel, panel.exporters.length]),
      [
        ["GPU utilisation", 1],
        ["CPU", 1],
      ],
    );
  });

  test("traces a panel that reads a recording rule to the raw series behind it", () => {
    const rules: RuleFile[] = [
      {
        fileName: "r.yml",
        comment: [],
        groups: [{ name: "g", rules: [{ record: "model:ttft:p95", expr: ttft.replace("$__rate_interval", "5m") }] }],
      },
    ];
    const records = recordsByName(rules);
    const panels = panelQueries([dashboard("Rules", [{ title: "TTFT from rule", exprs: ["max(model:ttft:p95)"] }])]);
    const coverage = panelCoverage(panels, sampleNames(parseExposition(currentVllmPage("m"))), "current", records);
    assert.deepEqual(
      coverage.emptyPanels.map((panel) => panel.missing),
      [[`${vllm.timeToFirstToken.name}_bucket`]],
    );
  });
});
