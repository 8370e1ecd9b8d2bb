export type { MetricFamily, MetricType } from "./types.js";
export { bucketSeries, sumSeries, countSeries } from "./types.js";
export * from "./buckets.js";
export { vllm, vllmLegacy, VLLM_LABELS, FINISHED_REASONS, FINISHED_REASONS_V0 } from "./vllm.js";
export { vllmFeatures, VLLM_FEATURE_FLAGS } from "./vllm-features.js";
export { dcgm, nvidiaSmi, node, httpServer, pipeline, processCollector, scrape, DCGM_LABELS, DCGM_HOSTNAME_LABELS } from "./exporters.js";
export { prometheusSelf } from "./prometheus-self.js";
export { allFamilies, knownSeriesNames } from "./names.js";
export { pythonRuntime } from "./runtime.js";
export {
  METRICS_VERSIONS,
  metricsVersionSpec,
  createdFamilyName,
  type MetricsVersion,
  type MetricSource,
  type MetricsVersionSpec,
  type VersionedFamily,
  type VersionSpecOptions,
  type VllmFeature,
} from "./versions.js";
