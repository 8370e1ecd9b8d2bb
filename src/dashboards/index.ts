import { fleetOverviewSpec } from "./fleet-overview.js";
import { instancesSpec } from "./instances.js";
import { machineOverviewSpec } from "./machine-overview.js";
import { buildDashboard, type DashboardSpec } from "./panels.js";
import { userOverviewSpec, type DashboardOptions } from "./user-overview.js";

/** A generated dashboard: written to dashboards/<fileName> (committed) and provisioned into Grafana. */
export interface DashboardFile {
  readonly fileName: string;
  /** The dashboard JSON model, as Grafana imports it. */
  readonly dashboard: Record<string, unknown>;
}

/** A dashboard as typed rows, panels and variables: Grafana's JSON and the Perses spec are both built from it. */
export interface NamedDashboardSpec {
  /** The file name without extension, e.g. `vllm-user-overview`. */
  readonly name: string;
  readonly spec: DashboardSpec;
}

/** Every dashboard the project ships, as typed specs. Pure: builds fresh objects on every call. */
export function dashboardSpecs(options: DashboardOptions): NamedDashboardSpec[] {
  return [
    { name: "vllm-user-overview", spec: userOverviewSpec(options) },
    { name: "vllm-machine-overview", spec: machineOverviewSpec(options) },
    { name: "vllm-instances", spec: instancesSpec(options) },
    { name: "vllm-fleet-overview", spec: fleetOverviewSpec(options) },
  ];
}

/** Every dashboard the project ships, as Grafana JSON models. */
export function dashboardFiles(options: DashboardOptions): DashboardFile[] {
  return dashboardSpecs(options).map(({ name, spec }) => ({ fileName: `${name}.json`, dashboard: buildDashboard(spec) }));
}

export { userOverviewDashboard, USER_OVERVIEW_UID, type DashboardOptions } from "./user-overview.js";
export { machineOverviewDashboard, MACHINE_OVERVIEW_UID } from "./machine-overview.js";
export { instancesDashboard, INSTANCES_UID } from "./instances.js";
export { fleetOverviewDashboard, FLEET_OVERVIEW_UID } from "./fleet-overview.js";
export { DASHBOARD_UIDS } from "./navigation.js";
export type { DashboardSpec, PanelSpec, RowSpec, TargetSpec, ThresholdStep, LinkSpec, SeriesStyle } from "./panels.js";
