import { fleetOverviewDashboard } from "./fleet-overview.js";
import { instancesDashboard } from "./instances.js";
import { kvCacheDashboard } from "./kv-cache.js";
import { machineOverviewDashboard } from "./machine-overview.js";
import { userOverviewDashboard, type DashboardOptions } from "./user-overview.js";

/** A generated dashboard: written to dashboards/<fileName> (committed) and provisioned into Grafana. */
export interface DashboardFile {
  readonly fileName: string;
  /** The dashboard JSON model, as Grafana imports it. */
  readonly dashboard: Record<string, unknown>;
}

/** Every dashboard the project ships. Pure: builds fresh objects on every call. */
export function dashboardFiles(options: DashboardOptions): DashboardFile[] {
  return [
    { fileName: "vllm-user-overview.json", dashboard: userOverviewDashboard(options) },
    { fileName: "vllm-machine-overview.json", dashboard: machineOverviewDashboard(options) },
    { fileName: "vllm-instances.json", dashboard: instancesDashboard(options) },
    { fileName: "vllm-fleet-overview.json", dashboard: fleetOverviewDashboard(options) },
    { fileName: "vllm-kv-cache.json", dashboard: kvCacheDashboard(options) },
  ];
}

export { userOverviewDashboard, USER_OVERVIEW_UID, type DashboardOptions } from "./user-overview.js";
export { machineOverviewDashboard, MACHINE_OVERVIEW_UID } from "./machine-overview.js";
export { instancesDashboard, INSTANCES_UID } from "./instances.js";
export { fleetOverviewDashboard, FLEET_OVERVIEW_UID } from "./fleet-overview.js";
export { kvCacheDashboard, KV_CACHE_UID } from "./kv-cache.js";
export { DASHBOARD_UIDS } from "./navigation.js";
