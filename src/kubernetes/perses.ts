/**
 * The mixin's Perses dashboards as PersesDashboard objects of the Perses operator
 * (github.com/perses/perses-operator, API perses.dev/v1alpha2: the dashboard spec sits under
 * `spec.config`; the operator files each one in the Perses project named after its namespace).
 */
import type { PersesDashboardFile } from "../mixin/perses/index.js";
import { commonLabels, type KubernetesOptions } from "./options.js";

export const PERSES_API_VERSION = "perses.dev/v1alpha2";

export interface PersesDashboardObject {
  readonly apiVersion: typeof PERSES_API_VERSION;
  readonly kind: "PersesDashboard";
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };
  readonly spec: { readonly config: PersesDashboardFile["dashboard"]["spec"] };
}

export function persesDashboardObject(file: PersesDashboardFile, options: KubernetesOptions): PersesDashboardObject {
  return {
    apiVersion: PERSES_API_VERSION,
    kind: "PersesDashboard",
    metadata: { name: file.dashboard.metadata.name, namespace: options.namespace, labels: { ...commonLabels(options) } },
    spec: { config: file.dashboard.spec },
  };
}
