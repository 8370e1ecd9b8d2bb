import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parser } from "@prometheus-io/lezer-promql";
import { dcgm, node, nvidiaSmi } from "../../src/catalog/index.js";
import { defaultKubernetesOptions, kubernetesSelectors, vllmJob } from "../../src/kubernetes/index.js";
import { buildMixin, defaultMixinConfig } from "../../src/mixin/index.js";
import { dashboardQueries, dashboardVariable, dashboardVariableQueries } from "../../src/mixin/dashboards/inspect.js";
import { VARIABLES } from "../../src/promql/scope.js";

interface SelectorFound {
  readonly name: string;
  readonly matchers: readonly { label: string; value: string }[];
}

/** Every vector selector of an expression with its name and label matchers, read with Prometheus's PromQL grammar. */
function vectorSelectors(expr: string): SelectorFound[] {
  const found: SelectorFound[] = [];
  parser.parse(expr).iterate({
    enter: (ref) => {
      if (ref.name !== "VectorSelector") return;
      const identifier = ref.node.getChild("Identifier");
      const matchers: { label: string; value: string }[] = [];
      const list = ref.node.getChild("LabelMatchers");
      for (const matcher of list?.getChildren("UnquotedLabelMatcher") ?? []) {
        const label = matcher.getChild("LabelName");
        const value = matcher.getChild("StringLiteral");
        if (label && value) matchers.push({ label: expr.slice(label.from, label.to), value: expr.slice(value.from + 1, value.to - 1) });
      }
      found.push({ name: identifier ? expr.slice(identifier.from, identifier.to) : "", matchers });
    },
  });
  return found;
}

const exporterNames = new Set<string>(
  [...Object.values(dcgm), ...Object.values(nvidiaSmi), ...Object.values(node)].map((family) => family.name),
);

/** `job`/`instance` matchers on GPU or node_exporter series that hold the vLLM target: `$job`, `$instance`, or vLLM's own job. */
function vllmTargetOnExporters(expr: string, vllmJobs: readonly string[]): string[] {
  const vllmValues = [`$${VARIABLES.job}`, `\${${VARIABLES.job}}`, `$${VARIABLES.instance}`, `\${${VARIABLES.instance}}`];
  return vectorSelectors(expr)
    .filter((selector) => exporterNames.has(selector.name))
    .flatMap((selector) =>
      selector.matchers
        .filter(
          ({ label, value }) =>
            (label === "job" || label === "instance") && (vllmValues.some((v) => value.includes(v)) || vllmJobs.includes(value)),
        )
        .map(({ label, value }) => `${selector.name}{${label}="${value}"}`),
    );
}

describe("GPU and node_exporter selectors", () => {
  test("never carry the vLLM job or instance in a dashboard whose job variable lists vLLM jobs only, since an exporter's target is never vLLM's", () => {
    const mixin = buildMixin();
    const problems: string[] = [];
    let checked = 0;
    for (const file of [...mixin.recordedDashboards, ...mixin.portableDashboards]) {
      // why: the Machine overview's job variable also lists the GPU and node_exporter jobs; there `$job` may select an exporter.
      const jobVariable = dashboardVariable(file.dashboard, VARIABLES.job);
      // (its selector is a `__name__` regex, which names no single series, hence the text search)
      if (jobVariable === undefined || [...exporterNames].some((name) => jobVariable.query.includes(name))) continue;
      const exprs = [
        ...dashboardQueries(file.dashboard).map((query) => ({ where: `${query.panelTitle} / ${query.refId}`, expr: query.expr })),
        ...dashboardVariableQueries(file.dashboard).map((expr) => ({
          where: "variable",
          expr: expr.replace(/^(label_values|query_result)\((.*)\)$/s, "$2"),
        })),
      ];
      for (const { where, expr } of exprs) {
        checked += vectorSelectors(expr).filter((selector) => exporterNames.has(selector.name)).length;
        for (const problem of vllmTargetOnExporters(expr, [])) problems.push(`${file.fileName} / ${where}: ${problem}`);
      }
    }
    assert.ok(checked > 20, `only ${checked} GPU or node_exporter selectors were checked`);
    assert.deepEqual(problems, []);
  });

  test("never carry the vLLM scrape job in the rules generated for Kubernetes", () => {
    const options = defaultKubernetesOptions();
    const mixin = buildMixin({ ...defaultMixinConfig(), selectors: kubernetesSelectors(options) });
    const problems = mixin.ruleFiles.flatMap((file) =>
      file.groups.flatMap((group) =>
        group.rules.flatMap((rule) =>
          vllmTargetOnExporters(rule.expr, [vllmJob(options)]).map(
            (problem) => `${"alert" in rule ? rule.alert : rule.record}: ${problem}`,
          ),
        ),
      ),
    );
    assert.deepEqual(problems, []);
  });

  test("are found by the check: a GPU series filtered by $job is reported, its hostname filter is not", () => {
    assert.deepEqual(
      vllmTargetOnExporters('avg(DCGM_FI_DEV_GPU_UTIL{job=~"$job", hostname=~"$hostname"}) + node_load1{instance=~"${instance}"}', []),
      ['DCGM_FI_DEV_GPU_UTIL{job="$job"}', 'node_load1{instance="${instance}"}'],
    );
    assert.deepEqual(
      vllmTargetOnExporters('vllm:num_requests_running{job=~"$job"} * on (hostname) group_left DCGM_FI_DEV_GPU_UTIL{hostname!=""}', []),
      [],
    );
  });
});
