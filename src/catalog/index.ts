export type { MetricFamily } from "./types.js";
export { bucketSeries, sumSeries, countSeries } from "./types.js";
export * from "./buckets.js";
export { vllm, vllmLegacy, FINISHED_REASONS, type AdmissionReason } from "./vllm.js";
export { vllmKvResidency, vllmNixl, vllmOffload } from "./vllm-kv.js";
export { GPU_PEAKS, type GpuPeak } from "./gpu-peaks.js";
export { vllmFeatures, VLLM_FEATURE_FLAGS } from "./vllm-features.js";
export { dcgm, nvidiaSmi, node, httpServer, pipeline, processCollector, scrape } from "./exporters.js";
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
  type KvConnector,
} from "./versions.js";
