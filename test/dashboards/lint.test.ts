import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildMixin, thresholds } from "../../src/mixin/index.js";
import { SLO_PERIOD, SLO_WINDOWS } from "../../src/promql/slo.js";
import { parser } from "@prometheus-io/lezer-promql";
import {
  dcgm,
  knownSeriesNames,
  node,
  nvidiaSmi,
  scrape,
  vllm,
  vllmFeatures,
  vllmLegacy,
  type MetricFamily,
} from "../../src/catalog/index.js";
import {
  DASHBOARD_UIDS,
  FLEET_OVERVIEW_UID,
  INSTANCES_UID,
  KV_CACHE_UID,
  MACHINE_OVERVIEW_UID,
  USER_OVERVIEW_UID,
  type DashboardModel,
} from "../../src/mixin/dashboards/index.js";
import { buildDashboard, panelId } from "../../src/mixin/dashboards/panels.js";
import {
  allSelectedValues,
  dashboardAnnotations,
  dashboardPanels,
  dashboardQueries,
  substituteVariables,
} from "../../src/mixin/dashboards/inspect.js";
import { metricNamesIn } from "../../src/mixin/dashboards/metric-names.js";
import { recordingRules } from "../../src/mixin/rules/index.js";

/** Series names a vector selector of the PromQL text names, or a parse error. */
function parsePromql(expr: string): { errors: string[]; names: string[]; ranges: string[] } {
  const tree = parser.parse(expr);
  const errors: string[] = [];
  const names: string[] = [];
  const ranges: string[] = [];
  tree.iterate({
    enter: (nodeRef) => {
      if (nodeRef.type.isError)
        errors.push(`at ${nodeRef.from}: ${JSON.stringify(expr.slice(Math.max(0, nodeRef.from - 20), nodeRef.from + 20))}`);
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
const allQueries = () => [...dashboards(), ...buildMixin().portableDashboards.map((file) => file.dashboard)].flatMap(dashboardQueries);
const where = (query: { dashboardUid: string; panelTitle: string; refId: string }) =>
  `${query.dashboardUid} / ${query.panelTitle} / ${query.refId}`;

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
    const values = {
      ...allSelectedValues(),
      job: "(vllm|node)",
      instance: "(a:8000|b:8000)",
      model_name: "(llama|qwen)",
      engine: "(0|1)",
      hostname: "(gpu-1|gpu-2)",
    };
    const problems = allQueries().flatMap((query) =>
      parsePromql(substituteVariables(query.expr, values)).errors.map((error) => `${where(query)}: ${error}`),
    );
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
      // why: an objective's windows are fixed by definition (the 1h burn rate is over 1h, attainment over the SLO period).
      const objectiveWindows = new Set<string>([...SLO_WINDOWS, SLO_PERIOD]);
      return ranges
        .filter((range) => range !== RATE_INTERVAL_SENTINEL && !objectiveWindows.has(range))
        .map((range) => `${where(query)}: [${range}]`);
    });
    assert.deepEqual(problems, []);
  });

  test("give every panel a unit, a description, the datasource variable and a unique id", () => {
    for (const dashboard of dashboards()) {
      const ids = new Set<number>();
      for (const panel of dashboardPanels(dashboard)) {
        const model = panel as {
          id: number;
          title: string;
          description?: string;
          datasource?: unknown;
          fieldConfig?: { defaults?: { unit?: string } };
        };
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
      assert.equal((dashboard as { __inputs?: unknown }).__inputs, undefined);
      walk(dashboard);
    }
    assert.ok(datasources.length > 40);
    for (const datasource of datasources) assert.deepEqual(datasource, { type: "prometheus", uid: "${datasource}" });
  });

  test("keep stable dashboard uids, and give each panel the id of its key wherever it sits", () => {
    assert.deepEqual(
      dashboards().map((dashboard) => dashboard.uid),
      [USER_OVERVIEW_UID, MACHINE_OVERVIEW_UID, INSTANCES_UID, FLEET_OVERVIEW_UID, KV_CACHE_UID],
    );
    for (const file of buildMixin().recordedDashboards) {
      const idsByTitle = (model: DashboardModel) => new Map(dashboardPanels(model).map((panel) => [`${panel.title}`, panel.id]));
      const built = idsByTitle(file.dashboard);
      // why: a panel moved to another row or place keeps its id, so links to it (viewPanel=) survive a redesign.
      const reordered = idsByTitle(
        buildDashboard({ ...file.spec, rows: [...file.spec.rows].reverse().map((row) => ({ ...row, panels: [...row.panels].reverse() })) }),
      );
      const keys = file.spec.rows.flatMap((row) => row.panels.map((panel) => [panel.title, panelId(panel.key)] as const));
      for (const [title, id] of keys) {
        assert.equal(built.get(title), id, `${file.fileName} / ${title}: id is not the hash of its key`);
        assert.equal(reordered.get(title), id, `${file.fileName} / ${title}: id changed when the panel moved`);
      }
      const ids = dashboardPanels(file.dashboard).map((panel) => panel.id);
      assert.equal(new Set(ids).size, ids.length, `${file.fileName}: two panels share an id`);
    }
  });

  test("filter every vLLM query by the job, instance, model and engine its series carry, GPU queries by host, host queries by instance, and every Machine overview query by host, its exporter queries by host only", () => {
    const withRecords = (family: MetricFamily) =>
      [family.name, `${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`].map((name) => [name, family] as const);
    const vllmFamilies = new Map(
      [...Object.values(vllm), ...Object.values(vllmLegacy), ...Object.values(vllmFeatures)].flatMap(withRecords),
    );
    const gpuNames = new Set<string>([...Object.values(dcgm), ...Object.values(nvidiaSmi)].map((family) => family.name));
    const nodeNames = new Set<string>(Object.values(node).map((family) => family.name));
    // why: a recorded series keeps the labels its level names; the variables for those must filter it.
    const recordLevels: Record<string, readonly string[]> = {
      instance: ["$job", "$instance", "$model_name", "$engine"],
      job_model_name: ["$job", "$model_name"],
    };
    const records = new Set(recordingRules(thresholds()).map((rule) => rule.record));
    // why: a dashboard can only filter by the variables it has (the Fleet overview has job and model only).
    const variablesOf = new Map(
      [...dashboards(), ...buildMixin().portableDashboards.map((file) => file.dashboard)].map((dashboard) => [
        String(dashboard.uid),
        new Set((dashboard.templating as { list: { name: string }[] }).list.map((variable) => `$${variable.name}`)),
      ]),
    );
    const problems: string[] = [];
    for (const query of allQueries()) {
      const names = parsePromql(substituteVariables(query.expr, allSelectedValues())).names;
      const needs = new Set<string>();
      const onMachine = query.dashboardUid === MACHINE_OVERVIEW_UID;
      const readsVllm = names.some((name) => vllmFamilies.has(name) || records.has(name));
      // why: a drill-down carries vLLM's job and instance, which never match an exporter's target (issue 17).
      if (onMachine && !readsVllm && ["$job", "$instance"].some((variable) => query.expr.includes(variable)))
        problems.push(`${where(query)} filters exporter series by vLLM's job or instance`);
      for (const name of names) {
        const family = vllmFamilies.get(name);
        if (family !== undefined) {
          ["$job", "$instance"].forEach((v) => needs.add(v));
          if (family.labels.includes("model_name")) needs.add("$model_name");
          if (family.labels.includes("engine")) needs.add("$engine");
        } else if (records.has(name)) (recordLevels[name.split(":")[0] ?? ""] ?? []).forEach((v) => needs.add(v));
        // why: the Fleet overview's job variable lists vLLM jobs; its GPU and host aggregates are fleet-wide.
        else if (gpuNames.has(name))
          (query.dashboardUid === FLEET_OVERVIEW_UID ? [] : onMachine ? ["$hostname"] : ["$job", "$instance", "$hostname"]).forEach((v) =>
            needs.add(v),
          );
        else if (nodeNames.has(name) || name === scrape.up.name)
          (query.dashboardUid === FLEET_OVERVIEW_UID ? [] : onMachine ? ["$hostname"] : ["$job", "$instance"]).forEach((v) => needs.add(v));
      }
      // why: one host's vLLM, GPUs and node_exporter share the target label `hostname`; the Machine overview filters them all by it.
      if (query.dashboardUid === MACHINE_OVERVIEW_UID && needs.size > 0) needs.add("$hostname");
      for (const variable of needs) {
        if (variablesOf.get(query.dashboardUid)?.has(variable) && !query.expr.includes(variable))
          problems.push(`${where(query)} ignores ${variable}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test("read only aggregate recording rules in the Fleet overview, so its cost does not grow with the instances", () => {
    const fleet = dashboards().find((dashboard) => dashboard.uid === FLEET_OVERVIEW_UID)!;
    const aggregate = /^(job_model_name|job_hostname|job):/;
    const read = dashboardQueries(fleet).flatMap((query) =>
      parsePromql(substituteVariables(query.expr, allSelectedValues())).names.map((name) => `${query.panelTitle}: ${name}`),
    );
    assert.ok(read.length > 20);
    assert.deepEqual(
      read.filter((entry) => !aggregate.test(entry.split(": ")[1] ?? "")),
      [],
    );
    const variables = (fleet.templating as { list: { name: string; query?: unknown }[] }).list.filter(
      (variable) => variable.name !== "datasource",
    );
    for (const variable of variables) assert.match(String(variable.query), /label_values\(job_model_name:/, variable.name);
  });

  test("end every panel description with the names of the series its queries read", () => {
    for (const dashboard of dashboards()) {
      for (const panel of dashboardPanels(dashboard)) {
        const model = panel as { title: string; description?: string; targets?: { expr?: string }[] };
        const names = metricNamesIn((model.targets ?? []).map((target) => target.expr ?? ""));
        assert.ok(names.length > 0, `${model.title} reads no series`);
        assert.ok((model.description ?? "").endsWith(`Metrics: ${names.join(", ")}.`), `${model.title}: ${model.description}`);
        const parsed = new Set(
          (model.targets ?? []).flatMap((target) => parsePromql(substituteVariables(target.expr ?? "", allSelectedValues())).names),
        );
        assert.deepEqual([...parsed].sort(), [...names].sort(), `${model.title}: the sentence names what the parser finds`);
      }
    }
  });

  test("draw the alert thresholds as dashed lines on the latency, KV cache and GPU panels", () => {
    const lined = dashboards().flatMap((dashboard) =>
      dashboardPanels(dashboard)
        .filter(
          (panel) =>
            (panel as { fieldConfig?: { defaults?: { custom?: { thresholdsStyle?: { mode?: string } } } } }).fieldConfig?.defaults?.custom
              ?.thresholdsStyle?.mode === "dashed",
        )
        .map((panel) => `${String(dashboard.uid)} / ${panel.title ?? ""}`),
    );
    for (const expected of [
      `${USER_OVERVIEW_UID} / Time to first token`,
      `${USER_OVERVIEW_UID} / End-to-end latency`,
      `${USER_OVERVIEW_UID} / Inter-token latency and time per output token`,
      `${MACHINE_OVERVIEW_UID} / KV cache usage`,
      `${MACHINE_OVERVIEW_UID} / GPU temperature`,
      `${INSTANCES_UID} / KV cache usage across instances`,
      `${FLEET_OVERVIEW_UID} / Inter-token latency`,
    ]) {
      assert.ok(lined.includes(expected), `${expected} has no threshold line`);
    }
  });

  test("link the dashboards to each other by tag, keeping the time range and the variables", () => {
    const uids = new Set(dashboards().map((dashboard) => String(dashboard.uid)));
    for (const dashboard of dashboards()) {
      const links = dashboard.links as { type: string; tags: string[]; keepTime: boolean; includeVars: boolean }[];
      assert.deepEqual(
        links.map((link) => [link.type, link.tags, link.keepTime, link.includeVars]),
        [["dashboards", ["vllm"], true, true]],
      );
      assert.ok((dashboard.tags as string[]).includes("vllm"));
      for (const panel of dashboardPanels(dashboard)) {
        for (const link of (panel as { links?: { url: string }[] }).links ?? []) {
          assert.match(link.url, /^\/d\/[a-z-]+\?\$\{__url_time_range\}&\$\{datasource:queryparam\}/, `${panel.title}: ${link.url}`);
          assert.ok(uids.has(/^\/d\/([a-z-]+)/.exec(link.url)?.[1] ?? ""), `${panel.title} links to an unknown dashboard: ${link.url}`);
        }
      }
    }
    const fleet = dashboards().find((dashboard) => dashboard.uid === FLEET_OVERVIEW_UID)!;
    for (const panel of dashboardPanels(fleet)) {
      const urls = ((panel as { links?: { url: string }[] }).links ?? []).map((link) => link.url);
      assert.ok(
        urls.some((url) => url.startsWith(`/d/${DASHBOARD_UIDS.instances}?`) || url.startsWith(`/d/${DASHBOARD_UIDS.machine}?`)),
        `${panel.title} links nowhere down`,
      );
    }
  });

  test("annotate restarts and firing alerts, with queries that parse", () => {
    for (const dashboard of dashboards()) {
      const annotations = dashboardAnnotations(dashboard);
      const names = annotations.map((annotation) => annotation.name);
      assert.deepEqual(
        names,
        dashboard.uid === FLEET_OVERVIEW_UID ? ["Firing alerts"] : ["vLLM restarts", "vLLM sleep", "Firing alerts"],
        String(dashboard.uid),
      );
      for (const annotation of annotations)
        assert.deepEqual(parsePromql(substituteVariables(annotation.expr, allSelectedValues())).errors, [], annotation.name);
    }
  });

  test("say in the title of every optional row which flag or version it needs, and show that instead of an empty box", () => {
    const rowsOf = (uid: string) =>
      (
        dashboards().find((dashboard) => dashboard.uid === uid)!.panels as {
          type: string;
          title: string;
          collapsed?: boolean;
          panels?: { title: string; fieldConfig?: { defaults?: { noValue?: string } } }[];
        }[]
      ).filter((panel) => panel.type === "row");
    const rows = [...rowsOf(INSTANCES_UID), ...rowsOf(KV_CACHE_UID)];
    const optional = rows.filter((row) => / — (needs|vLLM)/.test(row.title));
    assert.deepEqual(
      optional.map((row) => row.title.split(" — ")[1]),
      [
        "vLLM after 0.16 (April 2026)",
        "vLLM 0.16 or later",
        "needs --enable-lora",
        "needs --speculative-config",
        "needs --enable-mfu-metrics",
        "needs --kv-cache-metrics",
        `needs --kv-transfer-config '{"kv_connector":"NixlConnector",…}'`,
        "needs --kv-offloading-size (OffloadingConnector)",
      ],
    );
    for (const row of optional) {
      assert.equal(row.collapsed, true, row.title);
      for (const panel of row.panels ?? [])
        assert.match(panel.fieldConfig?.defaults?.noValue ?? "", /^No data: needs /, `${row.title} / ${panel.title}`);
    }
  });

  test("offer datasource, job, instance, model_name and engine variables, job and instance scoped to vLLM series rather than every target", () => {
    for (const dashboard of dashboards().filter((item) => item.uid !== FLEET_OVERVIEW_UID)) {
      const variables = (dashboard.templating as { list: { name: string; type: string; query?: unknown; allValue?: string }[] }).list;
      const byName = new Map(variables.map((variable) => [variable.name, variable]));
      assert.equal(byName.get("datasource")?.type, "datasource");
      assert.equal(byName.get("datasource")?.query, "prometheus");
      for (const name of ["job", "instance", "model_name", "engine"]) assert.equal(byName.get(name)?.allValue, ".*", name);
      assert.ok(String(byName.get("model_name")?.query).startsWith(`label_values(${vllm.numRequestsRunning.name}{`));
      for (const name of ["job", "instance"]) {
        const query = String(byName.get(name)?.query);
        assert.doesNotMatch(query, new RegExp(`label_values\\(${scrape.up.name}\\b`), `${String(dashboard.uid)} ${name}`);
        assert.ok(query.includes(vllm.numRequestsRunning.name), `${String(dashboard.uid)} ${name}: ${query}`);
      }
    }
  });
});
