import { ITL_BUCKETS_LEGACY, LATENCY_BUCKETS_LEGACY, TTFT_BUCKETS_LEGACY, oneTwoFiveBuckets } from "./buckets.js";
import type { MetricFamily } from "./types.js";
import { ADMISSION_REJECTION_REASONS, FINISHED_REASONS, FINISHED_REASONS_V0, SLEEP_STATES, vllm, vllmLegacy } from "./vllm.js";
import { vllmFeatures } from "./vllm-features.js";
import { vllmKvResidency, vllmNixl, vllmOffload } from "./vllm-kv.js";

/**
 * vLLM release lines whose `/metrics` naming the simulator reproduces and the dashboards accept:
 * `0.32` (the newest: `current` plus the per-request preemption histogram of 0.30 and the admission
 * rejections of 0.32; MFU counters stay 0 without `--enable-mfu-metrics`), `current` (V1, the
 * 2026-08 snapshot, about 0.28), `0.10` (V1 with the deprecated `gpu_*` names still exported) and
 * `0.6` (the V0 engine: no `engine` label, no `_created` series, older buckets).
 */
export const METRICS_VERSIONS = ["0.32", "current", "0.10", "0.6"] as const;
export type MetricsVersion = (typeof METRICS_VERSIONS)[number];

/** What a family measures, independent of its name in a given release. */
export type MetricSource =
  | "running"
  | "waiting"
  | "waitingByReason"
  | "sleepState"
  | "kvUsage"
  | "cpuKvUsage"
  | "swapped"
  | "prefixHitRate"
  | "cpuPrefixHitRate"
  | "avgPromptThroughput"
  | "avgGenerationThroughput"
  | "cacheConfig"
  | "prefixQueries"
  | "prefixHits"
  | "externalPrefixQueries"
  | "externalPrefixHits"
  | "mmCacheQueries"
  | "mmCacheHits"
  | "preemptions"
  | "promptTokens"
  | "promptTokensBySource"
  | "promptTokensCached"
  | "generationTokens"
  | "tokens"
  | "requestSuccess"
  | "estimatedFlops"
  | "estimatedReadBytes"
  | "estimatedWriteBytes"
  | "requestPromptTokens"
  | "requestGenerationTokens"
  | "iterationTokens"
  | "requestMaxGenerationTokens"
  | "requestParamsN"
  | "requestParamsMaxTokens"
  | "ttft"
  | "itl"
  | "requestTpot"
  | "e2e"
  | "queue"
  | "inference"
  | "prefill"
  | "decode"
  | "prefillKvComputed"
  | "specDrafts"
  | "specDraftTokens"
  | "specAcceptedTokens"
  | "specAcceptedPerPosition"
  | "specEmittedTokens"
  | "loraInfo"
  | "requestPreemptions"
  | "admissionRejections"
  | "kvBlockLifetime"
  | "kvBlockIdleBeforeEvict"
  | "kvBlockReuseGap"
  | "nixlXferTime"
  | "nixlPostTime"
  | "nixlBytes"
  | "nixlDescriptors"
  | "nixlFailedTransfers"
  | "nixlFailedNotifications"
  | "nixlExpiredRequests"
  | "offloadLoadBytes"
  | "offloadLoadTime"
  | "offloadLoadSize"
  | "offloadStoreBytes"
  | "offloadStoreTime"
  | "offloadStoreSize"
  | "offloadLookupSyncDelay"
  | "offloadLookupAsyncDelay"
  | "offloadAllocationFailures";

/**
 * Optional server features whose families appear only when switched on: speculative decoding, LoRA,
 * KV block residency (`--kv-cache-metrics`), the NIXL connector and the KV offloading connector.
 */
export type VllmFeature = "speculative" | "lora" | "kvCacheMetrics" | "nixl" | "offload";

export interface VersionedFamily {
  /** The family as this release writes it: name, type, HELP, labels (with `engine` or not), buckets. */
  readonly family: MetricFamily;
  readonly source: MetricSource;
  /** Values of the labels besides `model_name`/`engine` whose children exist from the start. */
  readonly labelValues?: Readonly<Record<string, readonly string[]>>;
  /** Present only with this feature switched on. */
  readonly feature?: VllmFeature;
}

export interface MetricsVersionSpec {
  readonly version: MetricsVersion;
  /** V1 (≥ 0.8.3) labels engine families with `engine`. */
  readonly engineLabel: boolean;
  /** V1 single-process servers write a `<name>_created` gauge family after each counter/histogram. */
  readonly createdSeries: boolean;
  readonly finishedReasons: readonly string[];
  readonly families: readonly VersionedFamily[];
}

export interface VersionSpecOptions {
  /** `--max-model-len`; the token-count histograms derive their 1-2-5 buckets from it. */
  readonly maxModelLen: number;
  /** `num_speculative_tokens` of `--speculative-config`; 0 or absent: no speculative decoding families. */
  readonly speculativeTokens?: number;
  /** `--enable-lora`: the LoRA info family is written. */
  readonly lora?: boolean;
  /** `--kv-cache-metrics`: the KV block residency histograms are written (V1 2026 lines). */
  readonly kvCacheMetrics?: boolean;
  /** The KV connector of `--kv-transfer-config` / `--kv-offloading-size` (V1 2026 lines). */
  readonly kvConnector?: KvConnector;
}

/** KV connectors whose families the catalog knows: NIXL (disaggregated prefill), CPU offloading, or both (vLLM's MultiConnector). */
export const KV_CONNECTORS = ["nixl", "offload", "multi"] as const;
export type KvConnector = (typeof KV_CONNECTORS)[number];

/** Whether a connector setting includes NIXL or offloading. */
export function connectorIncludes(connector: KvConnector | undefined, part: "nixl" | "offload"): boolean {
  return connector === part || connector === "multi";
}

/** V0 cache_config_info labels (a subset of V0 CacheConfig fields; no model_name, no engine). */
const V0_CACHE_CONFIG_LABELS = [
  "block_size",
  "cache_dtype",
  "enable_prefix_caching",
  "gpu_memory_utilization",
  "num_cpu_blocks",
  "num_gpu_blocks",
];

/** CUDA-graph capture sizes for max_num_seqs 256, which V0 used as iteration-token buckets. */
function cudaGraphCaptureSizes(): number[] {
  const sizes = [1, 2, 4];
  for (let size = 8; size <= 256; size += 8) sizes.push(size);
  return sizes;
}

function resolveBuckets(family: MetricFamily, maxModelLen: number): MetricFamily {
  if (family.type !== "histogram" || family.buckets !== undefined) return family;
  const { bucketScheme: _scheme, ...rest } = family as MetricFamily & { bucketScheme?: string };
  void _scheme;
  return { ...rest, buckets: oneTwoFiveBuckets(maxModelLen) };
}

function withoutEngine(family: MetricFamily): MetricFamily {
  return { ...family, labels: family.labels.filter((label) => label !== "engine") };
}

function entry(family: MetricFamily, source: MetricSource, labelValues?: Record<string, readonly string[]>): VersionedFamily {
  return labelValues === undefined ? { family, source } : { family, source, labelValues };
}

function featureEntry(
  feature: VllmFeature,
  family: MetricFamily,
  source: MetricSource,
  labelValues?: Record<string, readonly string[]>,
): VersionedFamily {
  return { ...entry(family, source, labelValues), feature };
}

/** V1 speculative decoding counters (all four since v0.8.5) and the LoRA info gauge. */
function v1FeatureFamilies(positions: readonly string[]): VersionedFamily[] {
  return [
    featureEntry("speculative", vllmFeatures.specDecodeNumDrafts, "specDrafts"),
    featureEntry("speculative", vllmFeatures.specDecodeNumDraftTokens, "specDraftTokens"),
    featureEntry("speculative", vllmFeatures.specDecodeNumAcceptedTokens, "specAcceptedTokens"),
    featureEntry("speculative", vllmFeatures.specDecodeNumAcceptedTokensPerPos, "specAcceptedPerPosition", { position: positions }),
    featureEntry("lora", vllmFeatures.loraRequestsInfo, "loraInfo"),
  ];
}

/** Residency and connector families of the 2026 V1 lines (vllm/v1/metrics/loggers.py, kv_connector/v1/{nixl,offloading}). */
function v1KvFeatureFamilies(): VersionedFamily[] {
  return [
    featureEntry("kvCacheMetrics", vllmKvResidency.kvBlockLifetime, "kvBlockLifetime"),
    featureEntry("kvCacheMetrics", vllmKvResidency.kvBlockIdleBeforeEvict, "kvBlockIdleBeforeEvict"),
    featureEntry("kvCacheMetrics", vllmKvResidency.kvBlockReuseGap, "kvBlockReuseGap"),
    featureEntry("nixl", vllmNixl.xferTime, "nixlXferTime"),
    featureEntry("nixl", vllmNixl.postTime, "nixlPostTime"),
    featureEntry("nixl", vllmNixl.bytesTransferred, "nixlBytes"),
    featureEntry("nixl", vllmNixl.numDescriptors, "nixlDescriptors"),
    featureEntry("nixl", vllmNixl.failedTransfers, "nixlFailedTransfers"),
    featureEntry("nixl", vllmNixl.failedNotifications, "nixlFailedNotifications"),
    featureEntry("nixl", vllmNixl.kvExpiredRequests, "nixlExpiredRequests"),
    featureEntry("offload", vllmOffload.loadBytes, "offloadLoadBytes"),
    featureEntry("offload", vllmOffload.loadTime, "offloadLoadTime"),
    featureEntry("offload", vllmOffload.loadSize, "offloadLoadSize"),
    featureEntry("offload", vllmOffload.storeBytes, "offloadStoreBytes"),
    featureEntry("offload", vllmOffload.storeTime, "offloadStoreTime"),
    featureEntry("offload", vllmOffload.storeSize, "offloadStoreSize"),
    featureEntry("offload", vllmOffload.lookupSyncDelay, "offloadLookupSyncDelay"),
    featureEntry("offload", vllmOffload.lookupAsyncDelay, "offloadLookupAsyncDelay"),
    featureEntry("offload", vllmOffload.allocationFailures, "offloadAllocationFailures"),
  ];
}

/** The newest line: `current` plus request_num_preemptions (0.30) and admission_rejections_total (0.32). */
function newestFamilies(): VersionedFamily[] {
  const families = currentFamilies();
  const at = families.findIndex((item) => item.source === "prefillKvComputed") + 1;
  families.splice(at, 0, entry(vllm.requestNumPreemptions, "requestPreemptions"));
  // why: counted in the API server; its children are assumed pre-created, one per cap.
  families.push(entry(vllm.admissionRejections, "admissionRejections", { reason: ADMISSION_REJECTION_REASONS }));
  return families;
}

/** V0 speculative decoding counters (no drafts count, no per-position counter) and the LoRA info gauge. */
function v0FeatureFamilies(): VersionedFamily[] {
  const v0 = (family: MetricFamily): MetricFamily => withoutEngine(family);
  return [
    featureEntry("speculative", v0(vllmFeatures.specDecodeNumDraftTokens), "specDraftTokens"),
    featureEntry("speculative", v0(vllmFeatures.specDecodeNumAcceptedTokens), "specAcceptedTokens"),
    featureEntry("speculative", vllmFeatures.specDecodeNumEmittedTokens, "specEmittedTokens"),
    featureEntry("lora", vllmFeatures.loraRequestsInfo, "loraInfo"),
  ];
}

function currentFamilies(): VersionedFamily[] {
  return [
    entry(vllm.numRequestsRunning, "running"),
    entry(vllm.numRequestsWaiting, "waiting"),
    entry(vllm.numRequestsWaitingByReason, "waitingByReason", { reason: ["capacity", "deferred"] }),
    entry(vllm.engineSleepState, "sleepState", { sleep_state: SLEEP_STATES }),
    entry(vllm.kvCacheUsagePerc, "kvUsage"),
    entry(vllm.prefixCacheQueries, "prefixQueries"),
    entry(vllm.prefixCacheHits, "prefixHits"),
    entry(vllm.externalPrefixCacheQueries, "externalPrefixQueries"),
    entry(vllm.externalPrefixCacheHits, "externalPrefixHits"),
    entry(vllm.mmCacheQueries, "mmCacheQueries"),
    entry(vllm.mmCacheHits, "mmCacheHits"),
    entry(vllm.numPreemptions, "preemptions"),
    entry(vllm.promptTokens, "promptTokens"),
    entry(vllm.promptTokensBySource, "promptTokensBySource", { source: ["local_compute", "local_cache_hit", "external_kv_transfer"] }),
    entry(vllm.promptTokensCached, "promptTokensCached"),
    entry(vllm.generationTokens, "generationTokens"),
    entry(vllm.requestSuccess, "requestSuccess", { finished_reason: FINISHED_REASONS }),
    entry(vllm.requestPromptTokens, "requestPromptTokens"),
    entry(vllm.requestGenerationTokens, "requestGenerationTokens"),
    entry(vllm.iterationTokens, "iterationTokens"),
    entry(vllm.requestMaxNumGenerationTokens, "requestMaxGenerationTokens"),
    entry(vllm.requestParamsN, "requestParamsN"),
    entry(vllm.requestParamsMaxTokens, "requestParamsMaxTokens"),
    entry(vllm.timeToFirstToken, "ttft"),
    entry(vllm.interTokenLatency, "itl"),
    entry(vllm.requestTimePerOutputToken, "requestTpot"),
    entry(vllm.e2eRequestLatency, "e2e"),
    entry(vllm.requestQueueTime, "queue"),
    entry(vllm.requestInferenceTime, "inference"),
    entry(vllm.requestPrefillTime, "prefill"),
    entry(vllm.requestDecodeTime, "decode"),
    entry(vllm.requestPrefillKvComputedTokens, "prefillKvComputed"),
    entry(vllm.cacheConfigInfo, "cacheConfig"),
    entry(vllm.estimatedFlopsPerGpu, "estimatedFlops"),
    entry(vllm.estimatedReadBytesPerGpu, "estimatedReadBytes"),
    entry(vllm.estimatedWriteBytesPerGpu, "estimatedWriteBytes"),
  ];
}

/** V1 as of v0.10.x: both KV names, both prefix-cache names, time_per_output_token (vllm-metrics.md §2i, §3). */
function v010Families(): VersionedFamily[] {
  // why: vLLM concatenated these Python strings without a space; the HELP on the wire reads so.
  const gpuCacheUsage = {
    ...vllmLegacy.gpuCacheUsagePerc,
    help: "GPU KV-cache usage. 1 means 100 percent usage.DEPRECATED: Use vllm:kv_cache_usage_perc instead.",
  };
  const gpuPrefixQueries = {
    ...vllmLegacy.gpuPrefixCacheQueries,
    help: "GPU prefix cache queries, in terms of number of queriedtokens. DEPRECATED: Use vllm:prefix_cache_queries instead.",
  };
  const gpuPrefixHits = {
    ...vllmLegacy.gpuPrefixCacheHits,
    help: "GPU prefix cache hits, in terms of number of cached tokens. DEPRECATED: Use vllm:prefix_cache_hits instead.",
  };
  return [
    entry(vllm.numRequestsRunning, "running"),
    entry(vllm.numRequestsWaiting, "waiting"),
    entry(gpuCacheUsage, "kvUsage"),
    entry(vllm.kvCacheUsagePerc, "kvUsage"),
    entry(gpuPrefixQueries, "prefixQueries"),
    entry(gpuPrefixHits, "prefixHits"),
    entry(vllm.prefixCacheQueries, "prefixQueries"),
    entry(vllm.prefixCacheHits, "prefixHits"),
    entry(vllm.numPreemptions, "preemptions"),
    entry(vllm.promptTokens, "promptTokens"),
    entry(vllm.generationTokens, "generationTokens"),
    entry(vllm.requestSuccess, "requestSuccess", { finished_reason: FINISHED_REASONS_V0 }),
    entry(vllm.requestPromptTokens, "requestPromptTokens"),
    entry(vllm.requestGenerationTokens, "requestGenerationTokens"),
    entry(vllm.iterationTokens, "iterationTokens"),
    entry(vllm.requestMaxNumGenerationTokens, "requestMaxGenerationTokens"),
    entry(vllm.requestParamsN, "requestParamsN"),
    entry(vllm.requestParamsMaxTokens, "requestParamsMaxTokens"),
    entry(vllm.timeToFirstToken, "ttft"),
    entry(vllmLegacy.timePerOutputToken, "itl"),
    entry(vllm.e2eRequestLatency, "e2e"),
    entry(vllm.requestQueueTime, "queue"),
    entry(vllm.requestInferenceTime, "inference"),
    entry(vllm.requestPrefillTime, "prefill"),
    entry(vllm.requestDecodeTime, "decode"),
    entry(vllm.cacheConfigInfo, "cacheConfig"),
  ];
}

/** The V0 engine around v0.6.4–v0.6.6 (vllm-metrics.md §4). */
function v06Families(): VersionedFamily[] {
  const v0 = (family: MetricFamily, changes: Partial<MetricFamily> = {}): MetricFamily => ({ ...withoutEngine(family), ...changes });
  return [
    entry(v0(vllm.numRequestsRunning, { help: "Number of requests currently running on GPU." }), "running"),
    entry(v0(vllm.numRequestsWaiting), "waiting"),
    entry(vllmLegacy.numRequestsSwapped, "swapped"),
    entry(v0(vllmLegacy.gpuCacheUsagePerc), "kvUsage"),
    entry(vllmLegacy.cpuCacheUsagePerc, "cpuKvUsage"),
    entry(vllmLegacy.cpuPrefixCacheHitRate, "cpuPrefixHitRate"),
    entry(vllmLegacy.gpuPrefixCacheHitRate, "prefixHitRate"),
    entry(vllmLegacy.avgPromptThroughput, "avgPromptThroughput"),
    entry(vllmLegacy.avgGenerationThroughput, "avgGenerationThroughput"),
    entry(v0(vllm.numPreemptions), "preemptions"),
    entry(v0(vllm.promptTokens), "promptTokens"),
    entry(v0(vllm.generationTokens), "generationTokens"),
    entry(vllmLegacy.tokensTotal, "tokens"),
    entry(v0(vllm.iterationTokens, { buckets: cudaGraphCaptureSizes() }), "iterationTokens"),
    entry(v0(vllm.timeToFirstToken, { buckets: TTFT_BUCKETS_LEGACY }), "ttft"),
    entry(v0(vllmLegacy.timePerOutputToken, { buckets: ITL_BUCKETS_LEGACY }), "itl"),
    entry(
      v0(vllm.e2eRequestLatency, { help: "Histogram of end to end request latency in seconds.", buckets: LATENCY_BUCKETS_LEGACY }),
      "e2e",
    ),
    entry(v0(vllm.requestQueueTime, { buckets: LATENCY_BUCKETS_LEGACY }), "queue"),
    entry(v0(vllm.requestInferenceTime, { buckets: LATENCY_BUCKETS_LEGACY }), "inference"),
    entry(v0(vllm.requestPrefillTime, { buckets: LATENCY_BUCKETS_LEGACY }), "prefill"),
    entry(v0(vllm.requestDecodeTime, { buckets: LATENCY_BUCKETS_LEGACY }), "decode"),
    entry(v0(vllmLegacy.timeInQueueRequests, { buckets: LATENCY_BUCKETS_LEGACY }), "queue"),
    entry(v0(vllm.requestPromptTokens), "requestPromptTokens"),
    entry(v0(vllm.requestGenerationTokens), "requestGenerationTokens"),
    entry(v0(vllm.requestMaxNumGenerationTokens), "requestMaxGenerationTokens"),
    entry(v0(vllm.requestParamsN), "requestParamsN"),
    entry(v0(vllm.requestParamsMaxTokens), "requestParamsMaxTokens"),
    entry(v0(vllm.requestSuccess), "requestSuccess", { finished_reason: FINISHED_REASONS_V0 }),
    entry({ ...vllm.cacheConfigInfo, labels: V0_CACHE_CONFIG_LABELS }, "cacheConfig"),
  ];
}

/** Which families, names, HELP texts, labels and buckets a vLLM release line exposes by default. */
export function metricsVersionSpec(version: MetricsVersion, options: VersionSpecOptions): MetricsVersionSpec {
  const positions = Array.from({ length: Math.max(0, options.speculativeTokens ?? 0) }, (_, index) => String(index));
  const base =
    version === "0.32" ? newestFamilies() : version === "current" ? currentFamilies() : version === "0.10" ? v010Families() : v06Families();
  const kvFeatures = version === "0.32" || version === "current" ? v1KvFeatureFamilies() : [];
  const features = [...(version === "0.6" ? v0FeatureFamilies() : v1FeatureFamilies(positions)), ...kvFeatures];
  const switchedOn: Record<VllmFeature, boolean> = {
    speculative: positions.length > 0,
    lora: options.lora === true,
    kvCacheMetrics: options.kvCacheMetrics === true,
    nixl: connectorIncludes(options.kvConnector, "nixl"),
    offload: connectorIncludes(options.kvConnector, "offload"),
  };
  const enabled = (feature: VllmFeature | undefined) => feature === undefined || switchedOn[feature];
  const families = [...base, ...features].filter((item) => enabled(item.feature));
  const resolved = families.map((item) => ({ ...item, family: resolveBuckets(item.family, options.maxModelLen) }));
  const isV1 = version !== "0.6";
  return {
    version,
    engineLabel: isV1,
    createdSeries: isV1,
    finishedReasons: version === "current" || version === "0.32" ? FINISHED_REASONS : FINISHED_REASONS_V0,
    families: resolved,
  };
}

/** The wire name of the `_created` gauge family prometheus_client writes after a counter/histogram/summary. */
export function createdFamilyName(family: MetricFamily): string {
  const base = family.type === "counter" && family.name.endsWith("_total") ? family.name.slice(0, -"_total".length) : family.name;
  return `${base}_created`;
}
