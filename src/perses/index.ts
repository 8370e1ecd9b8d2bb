/**
 * Perses (perses.dev) versions of the mixin's dashboards, built from the same typed specs as the
 * Grafana ones: committed under dashboards/perses/, deployed as PersesDashboard objects, and drawn
 * by the built-in viewer (src/viewer).
 */
import { dashboardSpecs } from "../dashboards/index.js";
import type { Thresholds } from "../mixin/thresholds.js";
import type { Source } from "../promql/vllm.js";
import { persesDashboard } from "./dashboard.js";
import type { PersesDashboard } from "./types.js";

export interface PersesDashboardFile {
  /** `<uid>.json`, e.g. `vllm-user-overview.json`. */
  readonly fileName: string;
  readonly dashboard: PersesDashboard;
}

/** Every shipped dashboard as a Perses dashboard. `raw` (the default) reads raw series and works on any Prometheus. */
export function persesDashboardFiles(thresholds: Thresholds, source: Source = "raw"): PersesDashboardFile[] {
  return dashboardSpecs({ source, thresholds }).map(({ name, spec }) => ({ fileName: `${name}.json`, dashboard: persesDashboard(spec) }));
}

export { persesDashboard, persesPanelName, PERSES_PROJECT } from "./dashboard.js";
export { persesLinkUrl } from "./panels.js";
export type { PersesDashboard, PersesPanel, PersesListVariable, PersesGrid } from "./types.js";
