/**
 * Every dashboard of the mixin as a ConfigMap the Grafana sidecar of kube-prometheus-stack loads:
 * label `grafana_dashboard: "1"` (the sidecar's default label and value) and the folder in the
 * `grafana_folder` annotation (read when the sidecar's folderAnnotation is set to it).
 */
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { DashboardFile } from "../mixin/dashboards/index.js";
import { commonLabels, type KubernetesOptions } from "./options.js";

export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;
const GRAFANA_FOLDER_ANNOTATION = "grafana_folder";

/** `vllm-user-overview.json` → `vllm-monitor-dashboard-vllm-user-overview`. */
export function dashboardConfigMapName(file: DashboardFile): string {
  return `vllm-monitor-dashboard-${file.fileName.replace(/\.json$/, "")}`;
}

/** The dashboard JSON as Grafana imports it: the text of dashboards/<fileName>. */
export function dashboardJson(file: DashboardFile): string {
  return `${JSON.stringify(file.dashboard, null, 2)}\n`;
}

export function dashboardConfigMap(file: DashboardFile, options: KubernetesOptions): ConfigMap {
  return new ConfigMap({
    metadata: {
      name: dashboardConfigMapName(file),
      namespace: options.namespace,
      labels: { ...commonLabels(options), ...GRAFANA_DASHBOARD_LABEL },
      annotations: { [GRAFANA_FOLDER_ANNOTATION]: options.grafanaFolder },
    },
    data: { [file.fileName]: dashboardJson(file) },
  });
}

/** One ConfigMap per dashboard, whatever the mixin ships. */
export function dashboardConfigMaps(files: readonly DashboardFile[], options: KubernetesOptions): ConfigMap[] {
  return files.map((file) => dashboardConfigMap(file, options));
}
