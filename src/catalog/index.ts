export type { MetricFamily, MetricType } from "./types.js";
export { bucketSeries, sumSeries, countSeries } from "./types.js";
export * from "./buckets.js";
export { vllm, vllmLegacy, VLLM_LABELS, FINISHED_REASONS, FINISHED_REASONS_V0, ADMISSION_REJECTION_REASONS, SLEEP_STATES } from "./vllm.js";
export { vllmKvResidency, vllmNixl, vllmOffload } from "./vllm-kv.js";
export { VLLM_SOURCE_CHECKED } from "./upstream.js";
export { GPU_PEAKS, type GpuPeak } from "./gpu-peaks.js";
export { vllmFeatures, VLLM_FEATURE_FLAGS } from "./vllm-features.js";
export { dcgm, nvidiaSmi, node, httpServer, pipeline, processCollector, scrape, DCGM_LABELS, DCGM_HOSTNAME_LABELS } from "./exporters.js";
export { prometheusSelf } from "./prometheus-self.js";
export { allFamilies, knownSeriesNames } from "./names.js";
export { pythonRuntime } from "./runtime.js";
export {
  METRICS_VERSIONS,
  KV_CONNECTORS,
  connectorIncludes,
  metricsVersionSpec,
  createdFamilyName,
  type MetricsVersion,
  type MetricSource,
  type MetricsVersionSpec,
  type VersionedFamily,
  type VersionSpecOptions,
  type VllmFeature,
  type KvConnector,
} from "./versions.js";
