/** Manifests for the Prometheus Operator (kube-prometheus-stack), built from the mixin. Pure builders. */
export { kubernetesTree, componentSpecs, overlaySpecs, BASE_FILES, type ComponentSpec, type OverlaySpec } from "./tree.js";
export { renderedKubernetesTree } from "./render.js";
export {
  defaultKubernetesOptions,
  presets,
  commonLabels,
  PRESET_NAMES,
  DEFAULT_NAMESPACE,
  DEFAULT_RELEASE_LABEL,
  DEFAULT_GPU_OPERATOR_NAMESPACE,
  DEFAULT_TOKEN_SECRET,
  type KubernetesOptions,
  type LabelSelector,
  type PresetName,
  type TokenSecretRef,
  type VllmSelection,
} from "./options.js";
export {
  kubernetesSelectors,
  vllmJob,
  vllmPodMonitor,
  vllmServiceMonitor,
  dcgmServiceMonitor,
  metricRelabelings,
  VLLM_MONITOR_NAME,
  DCGM_MONITOR_NAME,
  GPU_OPERATOR_DCGM,
} from "./monitors.js";
export { prometheusRule, PROMETHEUS_RULE_NAME } from "./rules.js";
export { dashboardConfigMaps, dashboardConfigMapName, GRAFANA_DASHBOARD_LABEL, GRAFANA_FOLDER_ANNOTATION } from "./dashboards.js";
export type { ManifestFile, KubernetesObject } from "./yaml.js";
