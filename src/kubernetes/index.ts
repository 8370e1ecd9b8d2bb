/** Manifests for the Prometheus Operator (kube-prometheus-stack), built from the mixin. Pure builders. */
export { kubernetesTree } from "./tree.js";
export { renderedKubernetesTree } from "./render.js";
export {
  defaultKubernetesOptions,
  presets,
  DEFAULT_TOKEN_SECRET,
  type KubernetesOptions,
  type LabelSelector,
  type PresetName,
} from "./options.js";
export { kubernetesSelectors, vllmJob, vllmPodMonitor } from "./monitors.js";
