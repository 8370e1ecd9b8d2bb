import { parse as parseYaml } from "yaml";
import {
  dcgm,
  httpServer,
  node,
  nvidiaSmi,
  processCollector,
  vllm,
  vllmFeatures,
  vllmLegacy,
  type MetricFamily,
} from "../catalog/index.js";
import type { DashboardFile } from "../mixin/dashboards/index.js";
import type { RuleFile } from "../mixin/rules/index.js";
import type { EmptyPanel, OptionalPanel, OtherExporterPanel, VllmGeneration } from "./types.js";

export interface PanelQueries {
  readonly dashboard: string;
  readonly panel: string;
  readonly exprs: readonly string[];
  /** What an optional panel needs, from its "No data: needs …" text. */
  readonly needs?: string;
}

const NEEDS = /^No data: needs (.+)$/;

function needsOf(panel: Record<string, unknown>): string | undefined {
  const fieldConfig = isRecord(panel.fieldConfig) ? panel.fieldConfig : {};
  const defaults = isRecord(fieldConfig.defaults) ? fieldConfig.defaults : {};
  return typeof defaults.noValue === "string" ? NEEDS.exec(defaults.noValue)?.[1] : undefined;
}

/** Every panel with queries, rows' nested panels included. Pure. */
export function dashboardPanels(files: readonly DashboardFile[]): PanelQueries[] {
  const found: PanelQueries[] = [];
  for (const file of files) {
    const title = typeof file.dashboard.title === "string" ? file.dashboard.title : file.fileName;
    const visit = (panels: unknown): void => {
      if (!Array.isArray(panels)) return;
      for (const panel of panels) {
        if (!isRecord(panel)) continue;
        const exprs = (Array.isArray(panel.targets) ? panel.targets : [])
          .map((target) => (isRecord(target) && typeof target.expr === "string" ? target.expr : ""))
          .filter((expr) => expr.trim() !== "");
        const needs = needsOf(panel);
        if (exprs.length > 0) found.push({ dashboard: title, panel: typeof panel.title === "string" ? panel.title : "(untitled)", exprs, ...(needs === undefined ? {} : { needs }) });
        visit(panel.panels);
      }
    };
    visit(file.dashboard.panels);
  }
  return found;
}

/** `record` name → its expression, from the project's recording rules. Pure (parses YAML text). */
export function recordingRules(files: readonly RuleFile[]): Map<string, string> {
  const records = new Map<string, string>();
  for (const file of files) {
    const parsed: unknown = parseYaml(file.content);
    const groups = isRecord(parsed) && Array.isArray(parsed.groups) ? parsed.groups : [];
    for (const group of groups) {
      const rules = isRecord(group) && Array.isArray(group.rules) ? group.rules : [];
      for (const rule of rules) {
        if (isRecord(rule) && typeof rule.record === "string" && typeof rule.expr === "string") records.set(rule.record, rule.expr);
      }
    }
  }
  return records;
}

/**
 * The catalog series a PromQL expression reads, looking through recording rules to the raw
 * series they are built from. Identifiers that are neither (functions, labels, durations) are dropped.
 */
export function seriesInExpr(expr: string, known: ReadonlySet<string>, records: ReadonlyMap<string, string>, seen = new Set<string>()): Set<string> {
  const found = new Set<string>();
  // why: label values and strings may look like names (`job="vllm"`); drop them first.
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  for (const [identifier] of withoutStrings.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    if (known.has(identifier)) found.add(identifier);
    const recorded = records.get(identifier);
    if (recorded !== undefined && !seen.has(identifier)) {
      seen.add(identifier);
      for (const name of seriesInExpr(recorded, known, records, seen)) found.add(name);
    }
  }
  return found;
}

interface SeriesGroups {
  /** Series the vLLM server itself exports. */
  readonly target: ReadonlySet<string>;
  readonly current: ReadonlySet<string>;
  readonly process: ReadonlySet<string>;
  readonly gpu: ReadonlySet<string>;
  readonly node: ReadonlySet<string>;
}

function seriesOf(groups: readonly Record<string, MetricFamily>[]): Set<string> {
  const names = new Set<string>();
  for (const family of groups.flatMap((group) => Object.values(group))) {
    names.add(family.name);
    if (family.type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(family.name + suffix);
    if (family.type === "summary") for (const suffix of ["_sum", "_count"]) names.add(family.name + suffix);
  }
  return names;
}

function seriesGroups(): SeriesGroups {
  return {
    target: seriesOf([vllm, vllmLegacy, vllmFeatures, httpServer, processCollector]),
    current: seriesOf([vllm]),
    process: seriesOf([processCollector]),
    gpu: seriesOf([dcgm, nvidiaSmi]),
    node: seriesOf([node]),
  };
}

export interface PanelCoverage {
  readonly emptyPanels: EmptyPanel[];
  readonly otherExporterPanels: OtherExporterPanel[];
  readonly optionalPanels: OptionalPanel[];
}

/**
 * Which panels would show nothing for this target: those whose target-side series are all
 * absent from the scrape. Panels fed only by GPU or node exporters are listed apart. Pure.
 */
export function panelCoverage(
  panels: readonly PanelQueries[],
  present: ReadonlySet<string>,
  generation: VllmGeneration,
  records: ReadonlyMap<string, string> = new Map(),
): PanelCoverage {
  const groups = seriesGroups();
  const known = new Set([...groups.target, ...groups.gpu, ...groups.node]);
  const emptyPanels: EmptyPanel[] = [];
  const otherExporterPanels: OtherExporterPanel[] = [];
  const optionalPanels: OptionalPanel[] = [];
  for (const panel of panels) {
    const used = new Set(panel.exprs.flatMap((expr) => [...seriesInExpr(expr, known, records)]));
    const fromTarget = [...used].filter((name) => groups.target.has(name));
    if (fromTarget.length === 0) {
      const exporters = [
        ...([...used].some((name) => groups.gpu.has(name)) ? ["a GPU exporter (dcgm-exporter or nvidia_gpu_exporter)"] : []),
        ...([...used].some((name) => groups.node.has(name)) ? ["node_exporter"] : []),
      ];
      if (exporters.length > 0) otherExporterPanels.push({ dashboard: panel.dashboard, panel: panel.panel, exporters });
      continue;
    }
    if (fromTarget.some((name) => present.has(name))) continue;
    if (panel.needs !== undefined) {
      optionalPanels.push({ dashboard: panel.dashboard, panel: panel.panel, needs: panel.needs });
      continue;
    }
    const missing = fromTarget.sort();
    emptyPanels.push({ dashboard: panel.dashboard, panel: panel.panel, missing, reason: emptyReason(missing, generation, groups) });
  }
  return { emptyPanels, otherExporterPanels, optionalPanels };
}

function emptyReason(missing: readonly string[], generation: VllmGeneration, groups: SeriesGroups): string {
  if (generation === "none") return "this target exports no vLLM metrics (see above)";
  if (missing.every((name) => groups.process.has(name))) {
    return "process_* series are absent when vLLM runs several API servers (PROMETHEUS_MULTIPROC_DIR set)";
  }
  if (generation !== "current" && missing.every((name) => groups.current.has(name))) {
    return "these metrics were added in a newer vLLM than this server's; upgrade vLLM to fill the panel";
  }
  return "the server does not export them; some appear only with a feature enabled (speculative decoding, LoRA, KV connector, MFU metrics)";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
