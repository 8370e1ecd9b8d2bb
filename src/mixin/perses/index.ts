/**
 * Perses (perses.dev) versions of the mixin's dashboards, built from the same typed specs as the
 * Grafana ones: committed under dashboards/perses/, deployed as PersesDashboard objects, and drawn
 * by the built-in viewer (src/viewer).
 */
import type { DashboardFile } from "../dashboards/index.js";
import { persesDashboard } from "./dashboard.js";
import type { PersesDashboard } from "./types.js";

export interface PersesDashboardFile {
  /** `<uid>.json`, e.g. `vllm-user-overview.json`. */
  readonly fileName: string;
  readonly dashboard: PersesDashboard;
}

/** The mixin's dashboards as Perses dashboards, built from their typed specs (same file names). */
export function persesDashboardFiles(files: readonly DashboardFile[]): PersesDashboardFile[] {
  return files.map((file) => ({ fileName: file.fileName, dashboard: persesDashboard(file.spec) }));
}

export { persesDashboard, persesPanelName } from "./dashboard.js";
export type { PersesDashboard, PersesPanel } from "./types.js";
