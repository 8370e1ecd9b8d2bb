import { fleetOverviewSpec } from "./fleet-overview.js";
import { instancesSpec } from "./instances.js";
import { kvCacheSpec } from "./kv-cache.js";
import { machineOverviewSpec } from "./machine-overview.js";
import { buildDashboard, type DashboardModel, type DashboardSpec } from "./panels.js";
import { userOverviewSpec, type DashboardOptions } from "./user-overview.js";

/** A generated dashboard: written to dashboards/<fileName> (committed) and provisioned into Grafana. */
export interface DashboardFile {
  readonly fileName: string;
  /** What the dashboard shows, as our own typed spec (rows, panels, queries, units, thresholds). */
  readonly spec: DashboardSpec;
  /** The Grafana dashboard model built from the spec. */
  readonly dashboard: DashboardModel;
}

/** Every dashboard the project ships. Pure: builds fresh objects on every call. */
export function dashboardFiles(options: DashboardOptions): DashboardFile[] {
  const files: [string, DashboardSpec][] = [
    ["vllm-user-overview.json", userOverviewSpec(options)],
    ["vllm-machine-overview.json", machineOverviewSpec(options)],
    ["vllm-instances.json", instancesSpec(options)],
    ["vllm-fleet-overview.json", fleetOverviewSpec(options)],
    ["vllm-kv-cache.json", kvCacheSpec(options)],
  ];
  return files.map(([fileName, spec]) => ({ fileName, spec, dashboard: buildDashboard(spec) }));
}

export { userOverviewDashboard, USER_OVERVIEW_UID, type DashboardOptions } from "./user-overview.js";
export { machineOverviewDashboard, MACHINE_OVERVIEW_UID } from "./machine-overview.js";
export { instancesDashboard, INSTANCES_UID } from "./instances.js";
export { FLEET_OVERVIEW_UID } from "./fleet-overview.js";
export { KV_CACHE_UID } from "./kv-cache.js";
export { DASHBOARD_UIDS } from "./navigation.js";
export type { DashboardModel, DashboardSpec, PanelSpec, RowSpec } from "./panels.js";
