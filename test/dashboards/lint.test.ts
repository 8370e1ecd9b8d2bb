import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildMixin, thresholds } from "../../src/mixin/index.js";
import { parser } from "@prometheus-io/lezer-promql";
import { dcgm, knownSeriesNames, node, nvidiaSmi, scrape, vllm, vllmLegacy } from "../../src/catalog/index.js";
import { MACHINE_OVERVIEW_UID, USER_OVERVIEW_UID } from "../../src/dashboards/index.js";
import { allSelectedValues, dashboardPanels, dashboardQueries, substituteVariables } from "../../src/dashboards/inspect.js";
import { recordingRules } from "../../src/rules/index.js";

/** Series names a vector selector of the PromQL text names, or a parse error. */
function parsePromql(expr: string): { errors: string[]; names: string[]; ranges: string[] } {
  const tree = parser.parse(expr);
  const errors: string[] = [];
  const names: string[] = [];
  const ranges: string[] = [];
  tree.iterate({
    enter: (nodeRef) => {
      if (nodeRef.type.isError) errors.push(`at ${nodeRef.from}: ${JSON.stringify(expr.slice(Math.max(0, nodeRef.from - 20), nodeRef.from + 20))}`);
      if (nodeRef.name === "Identifier" && nodeRef.node.parent?.name === "VectorSelector") names.push(expr.slice(nodeRef.from, nodeRef.to));
      if (nodeRef.name === "MatrixSelector") {
        const duration = nodeRef.node.getChild("DurationExpr") ?? nodeRef.node.lastChild;
        if (duration) ranges.push(expr.slice(duration.from, duration.to));
      }
    },
  });
  return { errors, names, ranges };
}

const dashboards = () => buildMixin().recordedDashboards.map((file) => file.dashboard);
/** The shipped dashboards plus their raw-series variant (the benchmark's baseline). */
const allQueries = () =>
  [...dashboards(), ...buildMixin().portableDashboards.map((file) => file.dashboard)].flatMap(dashboardQueries);
const where = (query: { dashboardUid: string; panelTitle: string; refId: string }) => `${query.dashboardUid} / ${query.panelTitle} / ${query.refId}`;

const RATE_INTERVAL_SENTINEL = "59s";

describe("generated dashboards", () => {
  test("parse as PromQL in every query once Grafana's variables are substituted", () => {
    const problems = allQueries().flatMap((query) => {
      const { errors } = parsePromql(substituteVariables(query.expr, allSelectedValues()));
      return errors.map((error) => `${where(query)}: ${error}`);
    });
    assert.deepEqual(problems, []);
  });

  test("parse as PromQL when a variable holds several values, as Grafana formats them", () => {
    const values = { ...allSelectedValues(), job: "(vllm|node)", instance: "(a:8000|b:8000)", model_name: "(llama|qwen)", engine: "(0|1)", hostname: "(gpu-1|gpu-2)" };
    const problems = allQueries().flatMap((query) => parsePromql(substituteVariables(query.expr, values)).errors.map((error) => `${where(query)}: ${error}`));
    assert.deepEqual(problems, []);
  });

  test("name only series from the catalog or our recording rules", () => {
    const known = knownSeriesNames();
    for (const rule of recordingRules(thresholds())) known.add(rule.record);
    const unknown = allQueries().flatMap((query) =>
      parsePromql(substituteVariables(query.expr, allSelectedValues()))
        .names.filter((name) => !known.has(name))
        .map((name) => `${where(query)}: ${name}`),
    );
    assert.deepEqual(unknown, []);
  });

  test("use $__rate_interval as the range of every rate and increase", () => {
    const problems = allQueries().flatMap((query) => {
      const { ranges } = parsePromql(substituteVariables(query.expr, allSelectedValues(RATE_INTERVAL_SENTINEL)));
      return ranges.filter((range) => range !== RATE_INTERVAL_SENTINEL).map((range) => `${where(query)}: [${range}]`);
    });
    assert.deepEqual(problems, []);
  });

  test("give every panel a unit, a description, the datasource variable and a unique id", () => {
    for (const dashboard of dashboards()) {
      const ids = new Set<number>();
      for (const panel of dashboardPanels(dashboard)) {
        const model = panel as { id: number; title: string; description?: string; datasource?: unknown; fieldConfig?: { defaults?: { unit?: string } } };
        assert.ok(model.fieldConfig?.defaults?.unit, `${model.title} has no unit`);
        assert.ok((model.description ?? "").length > 20, `${model.title} has no description`);
        assert.deepEqual(model.datasource, { type: "prometheus", uid: "${datasource}" }, `${model.title} datasource`);
        assert.ok(!ids.has(model.id), `${model.title} reuses panel id ${model.id}`);
        ids.add(model.id);
      }
    }
  });

  test("never hard-code a datasource uid and need no __inputs", () => {
    const datasources: unknown[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === "object") {
        for (const [key, child] of Object.entries(value)) {
          if (key === "datasource" && typeof child === "object") datasources.push(child);
          else walk(child);
        }
      }
    };
    for (const dashboard of dashboards()) {
      assert.equal(dashboard.__inputs, undefined);
      walk(dashboard);
    }
    assert.ok(datasources.length > 40);
    for (const datasource of datasources) assert.deepEqual(datasource, { type: "prometheus", uid: "${datasource}" });
  });

  test("keep stable dashboard uids and panel ids between builds", () => {
    assert.deepEqual(dashboards().map((dashboard) => dashboard.uid), [USER_OVERVIEW_UID, MACHINE_OVERVIEW_UID]);
    assert.equal(JSON.stringify(dashboards()), JSON.stringify(dashboards()));
  });

  test("filter every vLLM query by job, instance, model and engine, GPU queries by host, host queries by instance, and every Machine overview query by host", () => {
    const vllmNames = new Set<string>([...Object.values(vllm), ...Object.values(vllmLegacy)].flatMap((family) => [family.name, `${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`]));
    for (const rule of recordingRules(thresholds())) vllmNames.add(rule.record);
    const gpuNames = new Set<string>([...Object.values(dcgm), ...Object.values(nvidiaSmi)].map((family) => family.name));
    const nodeNames = new Set<string>(Object.values(node).map((family) => family.name));
    const problems: string[] = [];
    for (const query of allQueries()) {
      const names = parsePromql(substituteVariables(query.expr, allSelectedValues())).names;
      const needs = new Set<string>();
      for (const name of names) {
        if (vllmNames.has(name)) ["$job", "$instance", "$model_name", "$engine"].forEach((v) => needs.add(v));
        else if (gpuNames.has(name)) ["$job", "$instance", "$hostname"].forEach((v) => needs.add(v));
        else if (nodeNames.has(name) || name === scrape.up.name) ["$job", "$instance"].forEach((v) => needs.add(v));
      }
      // why: one host's vLLM, GPUs and node_exporter share the target label `hostname`; the Machine overview filters them all by it.
      if (query.dashboardUid === MACHINE_OVERVIEW_UID && needs.size > 0) needs.add("$hostname");
      for (const variable of needs) if (!query.expr.includes(variable)) problems.push(`${where(query)} ignores ${variable}`);
    }
    assert.deepEqual(problems, []);
  });

  test("offer datasource, job, instance, model_name and engine variables, the model scoped to a vLLM metric", () => {
    for (const dashboard of dashboards()) {
      const variables = (dashboard.templating as { list: { name: string; type: string; query?: unknown; allValue?: string }[] }).list;
      const byName = new Map(variables.map((variable) => [variable.name, variable]));
      assert.equal(byName.get("datasource")?.type, "datasource");
      assert.equal(byName.get("datasource")?.query, "prometheus");
      for (const name of ["job", "instance", "model_name", "engine"]) assert.equal(byName.get(name)?.allValue, ".*", name);
      assert.ok(String(byName.get("model_name")?.query).startsWith(`label_values(${vllm.numRequestsRunning.name}{`));
    }
  });
});
