import {
  ITERATION_TOKENS_BUCKETS,
  ITL_BUCKETS,
  LATENCY_BUCKETS,
  REQUEST_NUM_PREEMPTIONS_BUCKETS,
  REQUEST_PARAMS_N_BUCKETS,
  TTFT_BUCKETS,
} from "./buckets.js";
import type { MetricFamily } from "./types.js";

/** Labels of every V1 engine family (vLLM ≥ 0.8.3). V0 has only `model_name`. */
export const VLLM_LABELS = ["model_name", "engine"] as const;

const L = VLLM_LABELS;

function gauge(name: string, help: string, unit: string, extraLabels: readonly string[] = []): MetricFamily {
  return { name, type: "gauge", help, labels: [...L, ...extraLabels], unit };
}
function counter(name: string, help: string, unit: string, extraLabels: readonly string[] = []): MetricFamily {
  return { name, type: "counter", help, labels: [...L, ...extraLabels], unit };
}
function histogram(
  name: string,
  help: string,
  unit: string,
  buckets: readonly number[] | "one-two-five",
): MetricFamily & {
  readonly bucketScheme?: "one-two-five";
} {
  // why: token-count histograms use buckets derived from max_model_len; the simulator computes them.
  return buckets === "one-two-five"
    ? { name, type: "histogram", help, labels: [...L], unit, bucketScheme: "one-two-five" }
    : { name, type: "histogram", help, labels: [...L], unit, buckets };
}

/**
 * vLLM V1 engine families a default `vllm serve` exposes (snapshot 2026-08, vllm-metrics.md §2b, §2d).
 * Keys are stable identifiers used across the code; `name` is the wire name.
 */
export const vllm = {
  numRequestsRunning: gauge("vllm:num_requests_running", "Number of requests in model execution batches.", "requests"),
  numRequestsWaiting: gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", "requests"),
  numRequestsWaitingByReason: gauge(
    "vllm:num_requests_waiting_by_reason",
    "Number of waiting requests by reason. Reason labels: 'capacity' = waiting for scheduling capacity; 'deferred' = deferred by transient constraints (LoRA budget, KV transfer, blocked status). Sum of all reasons equals vllm:num_requests_waiting.",
    "requests",
    ["reason"],
  ),
  engineSleepState: gauge(
    "vllm:engine_sleep_state",
    "Engine sleep state; awake = 0 means engine is sleeping; awake = 1 means engine is awake; weights_offloaded = 1 means sleep level 1; discard_all = 1 means sleep level 2.",
    "none",
    ["sleep_state"],
  ),
  kvCacheUsagePerc: gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", "ratio"),
  prefixCacheQueries: counter("vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.", "tokens"),
  prefixCacheHits: counter("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.", "tokens"),
  externalPrefixCacheQueries: counter(
    "vllm:external_prefix_cache_queries_total",
    "External prefix cache queries from KV connector cross-instance cache sharing, in terms of number of queried tokens.",
    "tokens",
  ),
  externalPrefixCacheHits: counter(
    "vllm:external_prefix_cache_hits_total",
    "External prefix cache hits from KV connector cross-instance cache sharing, in terms of number of cached tokens.",
    "tokens",
  ),
  mmCacheQueries: counter("vllm:mm_cache_queries_total", "Multi-modal cache queries, in terms of number of queried items.", "items"),
  mmCacheHits: counter("vllm:mm_cache_hits_total", "Multi-modal cache hits, in terms of number of cached items.", "items"),
  numPreemptions: counter("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.", "preemptions"),
  promptTokens: counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.", "tokens"),
  promptTokensBySource: counter("vllm:prompt_tokens_by_source_total", "Number of prompt tokens by source.", "tokens", ["source"]),
  promptTokensCached: counter("vllm:prompt_tokens_cached_total", "Number of cached prompt tokens (local + external).", "tokens"),
  generationTokens: counter("vllm:generation_tokens_total", "Number of generation tokens processed.", "tokens"),
  requestSuccess: counter("vllm:request_success_total", "Count of successfully processed requests.", "requests", ["finished_reason"]),
  requestPromptTokens: histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", "tokens", "one-two-five"),
  requestGenerationTokens: histogram("vllm:request_generation_tokens", "Number of generation tokens processed.", "tokens", "one-two-five"),
  iterationTokens: histogram(
    "vllm:iteration_tokens_total",
    "Histogram of number of tokens per engine_step.",
    "tokens",
    ITERATION_TOKENS_BUCKETS,
  ),
  requestMaxNumGenerationTokens: histogram(
    "vllm:request_max_num_generation_tokens",
    "Histogram of maximum number of requested generation tokens.",
    "tokens",
    "one-two-five",
  ),
  requestParamsN: histogram("vllm:request_params_n", "Histogram of the n request parameter.", "none", REQUEST_PARAMS_N_BUCKETS),
  requestParamsMaxTokens: histogram(
    "vllm:request_params_max_tokens",
    "Histogram of the max_tokens request parameter.",
    "tokens",
    "one-two-five",
  ),
  timeToFirstToken: histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", "seconds", TTFT_BUCKETS),
  interTokenLatency: histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", "seconds", ITL_BUCKETS),
  requestTimePerOutputToken: histogram(
    "vllm:request_time_per_output_token_seconds",
    "Histogram of time_per_output_token_seconds per request.",
    "seconds",
    ITL_BUCKETS,
  ),
  e2eRequestLatency: histogram(
    "vllm:e2e_request_latency_seconds",
    "Histogram of e2e request latency in seconds.",
    "seconds",
    LATENCY_BUCKETS,
  ),
  requestQueueTime: histogram(
    "vllm:request_queue_time_seconds",
    "Histogram of time spent in WAITING phase for request.",
    "seconds",
    LATENCY_BUCKETS,
  ),
  requestInferenceTime: histogram(
    "vllm:request_inference_time_seconds",
    "Histogram of time spent in RUNNING phase for request.",
    "seconds",
    LATENCY_BUCKETS,
  ),
  requestPrefillTime: histogram(
    "vllm:request_prefill_time_seconds",
    "Histogram of time spent in PREFILL phase for request.",
    "seconds",
    LATENCY_BUCKETS,
  ),
  requestDecodeTime: histogram(
    "vllm:request_decode_time_seconds",
    "Histogram of time spent in DECODE phase for request.",
    "seconds",
    LATENCY_BUCKETS,
  ),
  requestPrefillKvComputedTokens: histogram(
    "vllm:request_prefill_kv_computed_tokens",
    "Histogram of new KV tokens computed during prefill (excluding cached tokens).",
    "tokens",
    "one-two-five",
  ),
  /** vLLM ≥ 0.30: observed once for every finished request, also those never preempted (0). */
  requestNumPreemptions: histogram(
    "vllm:request_num_preemptions",
    "Histogram of the number of times a request was preempted.",
    "preemptions",
    REQUEST_NUM_PREEMPTIONS_BUCKETS,
  ),
  /**
   * vLLM ≥ 0.32: requests the frontend refused with HTTP 503 under `--max-num-queued-reqs` /
   * `--max-num-queued-tokens`. Counted in the API server, so it has no `engine` label (and no `model_name`).
   */
  admissionRejections: {
    name: "vllm:admission_rejections_total",
    type: "counter",
    help: "Number of admission attempts rejected by the frontend admission limits.",
    labels: ["reason"],
    unit: "requests",
  } satisfies MetricFamily,
  cacheConfigInfo: {
    name: "vllm:cache_config_info",
    type: "gauge",
    help: "Information of the LLMEngine CacheConfig",
    // why: the label set changes between versions; these are the ones the simulator writes.
    labels: ["block_size", "cache_dtype", "enable_prefix_caching", "engine", "gpu_memory_utilization", "num_cpu_blocks", "num_gpu_blocks"],
    unit: "none",
  } satisfies MetricFamily,
  estimatedFlopsPerGpu: counter(
    "vllm:estimated_flops_per_gpu_total",
    "Estimated number of floating point operations per GPU (for Model Flops Utilization calculations).",
    "flops",
  ),
  estimatedReadBytesPerGpu: counter(
    "vllm:estimated_read_bytes_per_gpu_total",
    "Estimated number of bytes read from memory per GPU (for Model Flops Utilization calculations).",
    "bytes",
  ),
  estimatedWriteBytesPerGpu: counter(
    "vllm:estimated_write_bytes_per_gpu_total",
    "Estimated number of bytes written to memory per GPU (for Model Flops Utilization calculations).",
    "bytes",
  ),
} as const;

/** Every `finished_reason` value V1 pre-creates on `vllm:request_success_total`. */
export const FINISHED_REASONS = ["stop", "length", "abort", "error", "repetition"] as const;
/** The ones V0 had. */
export const FINISHED_REASONS_V0 = ["stop", "length", "abort"] as const;
/**
 * `reason` values of `vllm:admission_rejections_total`: the cap that fired. PR #55812 names the two
 * caps so; the exact strings were not seen on a real scrape yet.
 */
export const ADMISSION_REJECTION_REASONS = ["max_num_queued_reqs", "max_num_queued_tokens"] as const;
export type AdmissionReason = (typeof ADMISSION_REJECTION_REASONS)[number];
/** `sleep_state` values of `vllm:engine_sleep_state`: awake, sleep level 1, sleep level 2. */
export const SLEEP_STATES = ["awake", "weights_offloaded", "discard_all"] as const;

/**
 * Families that were renamed, hidden or removed (vllm-metrics.md §3, §4). Dashboards fall back to
 * them (`new or old`) where the semantics match, so panels keep working on older servers.
 */
export const vllmLegacy = {
  /** Until 0.11 (V1) / last V0; renamed to kv_cache_usage_perc in 0.9.2. */
  gpuCacheUsagePerc: {
    name: "vllm:gpu_cache_usage_perc",
    type: "gauge",
    help: "GPU KV-cache usage. 1 means 100 percent usage.",
    labels: [...L],
    unit: "ratio",
  } satisfies MetricFamily,
  /** V1 0.7.3 – 0.11; renamed to prefix_cache_*. Counted blocks before 0.9.0. */
  gpuPrefixCacheQueries: {
    name: "vllm:gpu_prefix_cache_queries_total",
    type: "counter",
    help: "GPU prefix cache queries, in terms of number of queried tokens.",
    labels: [...L],
    unit: "tokens",
  } satisfies MetricFamily,
  gpuPrefixCacheHits: {
    name: "vllm:gpu_prefix_cache_hits_total",
    type: "counter",
    help: "GPU prefix cache hits, in terms of number of cached tokens.",
    labels: [...L],
    unit: "tokens",
  } satisfies MetricFamily,
  /** Same semantics and buckets as inter_token_latency_seconds; removed in 0.15. */
  timePerOutputToken: {
    name: "vllm:time_per_output_token_seconds",
    type: "histogram",
    help: "Histogram of time per output token in seconds.",
    labels: [...L],
    buckets: ITL_BUCKETS,
    unit: "seconds",
  } satisfies MetricFamily,
  /** V0 gauges (≤ 0.9.0). */
  numRequestsSwapped: {
    name: "vllm:num_requests_swapped",
    type: "gauge",
    help: "Number of requests swapped to CPU.",
    labels: ["model_name"],
    unit: "requests",
  } satisfies MetricFamily,
  cpuCacheUsagePerc: {
    name: "vllm:cpu_cache_usage_perc",
    type: "gauge",
    help: "CPU KV-cache usage. 1 means 100 percent usage.",
    labels: ["model_name"],
    unit: "ratio",
  } satisfies MetricFamily,
  gpuPrefixCacheHitRate: {
    name: "vllm:gpu_prefix_cache_hit_rate",
    type: "gauge",
    help: "GPU prefix cache block hit rate.",
    labels: ["model_name"],
    unit: "ratio",
  } satisfies MetricFamily,
  cpuPrefixCacheHitRate: {
    name: "vllm:cpu_prefix_cache_hit_rate",
    type: "gauge",
    help: "CPU prefix cache block hit rate.",
    labels: ["model_name"],
    unit: "ratio",
  } satisfies MetricFamily,
  /** V0 ≤ 0.6.6. */
  avgPromptThroughput: {
    name: "vllm:avg_prompt_throughput_toks_per_s",
    type: "gauge",
    help: "Average prefill throughput in tokens/s.",
    labels: ["model_name"],
    unit: "tokens/s",
  } satisfies MetricFamily,
  avgGenerationThroughput: {
    name: "vllm:avg_generation_throughput_toks_per_s",
    type: "gauge",
    help: "Average generation throughput in tokens/s.",
    labels: ["model_name"],
    unit: "tokens/s",
  } satisfies MetricFamily,
  /** V0 0.6.4 – 0.7.3. */
  tokensTotal: {
    name: "vllm:tokens_total",
    type: "counter",
    help: "Number of prefill plus generation tokens processed.",
    labels: ["model_name"],
    unit: "tokens",
  } satisfies MetricFamily,
  /** V0 0.6.4 – 0.8.2, duplicates request_queue_time_seconds. */
  timeInQueueRequests: {
    name: "vllm:time_in_queue_requests",
    type: "histogram",
    help: "Histogram of the time the request spent in the queue in seconds.",
    labels: ["model_name"],
    buckets: LATENCY_BUCKETS,
    unit: "seconds",
  } satisfies MetricFamily,
} as const;
