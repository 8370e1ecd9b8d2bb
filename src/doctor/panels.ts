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
import { seriesRead } from "../catalog/series-read.js";
import type { DashboardSpec } from "../mixin/dashboards/index.js";
import type { EmptyPanel, OptionalPanel, OtherExporterPanel, VllmGeneration } from "./types.js";

export interface PanelQueries {
  readonly dashboard: string;
  readonly panel: string;
  readonly exprs: readonly string[];
  /** What an optional panel needs, from its "No data: needs …" text. */
  readonly needs?: string;
}

const NEEDS = /^No data: needs (.+)$/;

/** Every panel with queries, from the dashboards' typed specs, rows' panels included. Pure. */
export function panelQueries(files: readonly { readonly spec: DashboardSpec }[]): PanelQueries[] {
  return files.flatMap(({ spec }) =>
    spec.rows.flatMap((row) =>
      row.panels.flatMap((panel) => {
        const exprs = panel.targets.map((target) => target.expr).filter((expr) => expr.trim() !== "");
        const needs = panel.noValue === undefined ? undefined : NEEDS.exec(panel.noValue)?.[1];
        return exprs.length === 0 ? [] : [{ dashboard: spec.title, panel: panel.title, exprs, ...(needs === undefined ? {} : { needs }) }];
      }),
    ),
  );
}

/**
 * The catalog series a PromQL expression reads, looking through recording rules to the raw
 * series they are built from. Names that are neither (recorded series of others) are dropped.
 */
export function catalogSeriesIn(
  expr: string,
  known: ReadonlySet<string>,
  records: ReadonlyMap<string, string>,
  seen = new Set<string>(),
): Set<string> {
  const found = new Set<string>();
  for (const name of seriesRead(expr)) {
    if (known.has(name)) found.add(name);
    const recorded = records.get(name);
    if (recorded !== undefined && !seen.has(name)) {
      seen.add(name);
      for (const inner of catalogSeriesIn(recorded, known, records, seen)) found.add(inner);
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
    const used = new Set(panel.exprs.flatMap((expr) => [...catalogSeriesIn(expr, known, records)]));
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
