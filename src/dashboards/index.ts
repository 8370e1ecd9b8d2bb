/** A generated dashboard: written to dashboards/<fileName> (committed) and provisioned into Grafana. */
export interface DashboardFile {
  readonly fileName: string;
  /** The dashboard JSON model, as Grafana imports it. */
  readonly dashboard: Record<string, unknown>;
}

/** Every dashboard the project ships. Pure: builds fresh objects on every call. */
export function dashboardFiles(): DashboardFile[] {
  return [];
}
