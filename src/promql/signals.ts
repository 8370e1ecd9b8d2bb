import { vllm, vllmLegacy, type MetricFamily } from "../catalog/index.js";

/**
 * The vLLM signals the dashboards and rules read, each with the families that carry it across
 * vLLM versions (first preferred) and the name of its recording rule.
 *
 * Recording rule names follow `level:metric:operations` (prometheus.io naming):
 * - level `instance`: one series per scrape target (its `hostname` too) and vLLM's own labels (`model_name`, `engine`,
 *   and `le` / `finished_reason` where the family has them); any other target label is summed away.
 *   Keeping these labels lets the dashboard variables still filter the recorded series, and a
 *   quantile across instances is then taken from summed bucket rates, never from per-instance
 *   quantiles (a quantile of quantiles is meaningless).
 * - level `job_model_name`: per job and model, for alerts.
 * - metric: the wire name with `vllm:` → `vllm_` (colons are reserved for the separators) and
 *   without `_total` once rated.
 * - operations: `rate5m`, `p95_rate5m` (quantile of 5-minute bucket rates), `ratio_rate5m`.
 */

export const RECORDING_WINDOW = "5m";

/**
 * Labels an `instance`-level recorded series keeps (besides `le` and family labels).
 * why: `hostname` (the target's host), `namespace` and `pod` (Kubernetes targets; absent elsewhere, where
 * grouping by them is a no-op) are one per instance, so keeping them costs no series and lets the
 * dashboards filter recorded series by them.
 */
export const INSTANCE_LEVEL_LABELS = ["job", "instance", "hostname", "model_name", "engine", "namespace", "pod"] as const;
/** Labels a `job_model_name`-level recorded series keeps. */
export const MODEL_LEVEL_LABELS = ["job", "model_name"] as const;

export interface HistogramSignal {
  readonly key: string;
  /** Families with the same meaning and unit, newest first; queries take the first present. */
  readonly families: readonly MetricFamily[];
  /** Also record `_sum` and `_count` rates, for a mean. */
  readonly recordMean: boolean;
}

export interface CounterSignal {
  readonly key: string;
  readonly family: MetricFamily;
  /** Family labels kept besides the instance-level ones. */
  readonly keep: readonly string[];
}

/** `vllm:time_to_first_token_seconds` → `vllm_time_to_first_token_seconds`. */
export function recordedMetricPart(wireName: string): string {
  return wireName.replace(/:/g, "_");
}

function histogram(key: string, families: readonly MetricFamily[], recordMean = false): HistogramSignal {
  return { key, families, recordMean };
}

/** Histogram signals, keyed by what the user sees. */
export function histogramSignals() {
  return {
    ttft: histogram("ttft", [vllm.timeToFirstToken]),
    e2e: histogram("e2e", [vllm.e2eRequestLatency], true),
    queueTime: histogram("queueTime", [vllm.requestQueueTime, vllmLegacy.timeInQueueRequests], true),
    // why: the phases of a request (V0 ≥ 0.6.4, V1 ≥ 0.7.3); prefill + decode = inference.
    prefillTime: histogram("prefillTime", [vllm.requestPrefillTime], true),
    decodeTime: histogram("decodeTime", [vllm.requestDecodeTime], true),
    inferenceTime: histogram("inferenceTime", [vllm.requestInferenceTime], true),
    // why: time_per_output_token_seconds is the pre-0.11 name of the same per-token histogram.
    interTokenLatency: histogram("interTokenLatency", [vllm.interTokenLatency, vllmLegacy.timePerOutputToken]),
    requestTimePerOutputToken: histogram("requestTimePerOutputToken", [vllm.requestTimePerOutputToken]),
    promptLength: histogram("promptLength", [vllm.requestPromptTokens]),
    outputLength: histogram("outputLength", [vllm.requestGenerationTokens]),
  } as const;
}

export function counterSignals() {
  return {
    requests: { key: "requests", family: vllm.requestSuccess, keep: ["finished_reason"] },
    promptTokens: { key: "promptTokens", family: vllm.promptTokens, keep: [] },
    generationTokens: { key: "generationTokens", family: vllm.generationTokens, keep: [] },
    preemptions: { key: "preemptions", family: vllm.numPreemptions, keep: [] },
  } as const satisfies Record<string, CounterSignal>;
}

function primary(signal: HistogramSignal): MetricFamily {
  const family = signal.families[0];
  if (family === undefined) throw new Error(`histogram signal ${signal.key} names no family`);
  return family;
}

export function bucketRecord(signal: HistogramSignal): string {
  return `instance:${recordedMetricPart(primary(signal).name)}_bucket:rate${RECORDING_WINDOW}`;
}

export function sumRecord(signal: HistogramSignal): string {
  return `instance:${recordedMetricPart(primary(signal).name)}_sum:rate${RECORDING_WINDOW}`;
}

export function countRecord(signal: HistogramSignal): string {
  return `instance:${recordedMetricPart(primary(signal).name)}_count:rate${RECORDING_WINDOW}`;
}

export function counterRecord(signal: CounterSignal): string {
  return `instance:${recordedMetricPart(signal.family.name.replace(/_total$/, ""))}:rate${RECORDING_WINDOW}`;
}

/** `job_model_name:vllm_time_to_first_token_seconds:p95_rate5m`. */
export function quantileRecord(signal: HistogramSignal, quantile: number): string {
  const percent = Math.round(quantile * 100);
  return `job_model_name:${recordedMetricPart(primary(signal).name)}:p${percent}_rate${RECORDING_WINDOW}`;
}

export function errorRatioRecord(): string {
  return `job_model_name:${recordedMetricPart(vllm.requestSuccess.name.replace(/_success_total$/, "_errors"))}:ratio_rate${RECORDING_WINDOW}`;
}
