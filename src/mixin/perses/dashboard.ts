import type { DashboardSpec, PanelSpec, RowSpec } from "../dashboards/index.js";
import { persesPanel } from "./panels.js";
import type { PersesDashboard, PersesGrid, PersesPanel } from "./types.js";
import { persesVariables } from "./variables.js";

/** The Perses project our dashboards are written for; a PersesDashboard object takes its namespace instead. */
export const PERSES_PROJECT = "vllm";

const GRID_WIDTH = 24;

/** A panel's name in `spec.panels`: its stable key, made safe for a JSON pointer (`#/spec/panels/<name>`). */
export function persesPanelName(panel: PanelSpec): string {
  return panel.key.replace(/[^a-zA-Z0-9_-]/g, "_");
}

/** One row as a Grid: panels flow left to right and wrap at the grid width, as in the Grafana dashboard. */
function grid(row: RowSpec): PersesGrid {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const items = row.panels.map((panel) => {
    const width = panel.width ?? 8;
    const height = panel.height ?? 8;
    if (x + width > GRID_WIDTH) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const item = { x, y, width, height, content: { $ref: `#/spec/panels/${persesPanelName(panel)}` as const } };
    x += width;
    rowHeight = Math.max(rowHeight, height);
    return item;
  });
  return { kind: "Grid", spec: { display: { title: row.title, collapse: { open: row.collapsed !== true } }, items } };
}

/**
 * The Perses dashboard of one of our dashboards: the same rows, panels, queries, units, thresholds,
 * variables and links, built from the typed spec (not from Grafana's JSON). Pure.
 */
export function persesDashboard(spec: DashboardSpec): PersesDashboard {
  const panels: Record<string, PersesPanel> = {};
  for (const row of spec.rows) for (const panel of row.panels) panels[persesPanelName(panel)] = persesPanel(panel);
  return {
    kind: "Dashboard",
    metadata: { name: spec.uid, project: PERSES_PROJECT },
    spec: {
      display: { name: spec.title, description: spec.description.trim() },
      duration: "1h",
      refreshInterval: "30s",
      variables: persesVariables(spec.variables),
      panels,
      layouts: spec.rows.map(grid),
    },
  };
}
