import { FINISHED_REASONS, bucketSeries, countSeries, sumSeries, vllm, vllmLegacy } from "../catalog/index.js";
import { firstOf, histogramQuantile, maxBy, avgBy, rate, sumBy } from "./functions.js";
import type { Scope } from "./scope.js";
import { leMatcher, matcher, series, type Selector } from "./selector.js";
import { bucketRecord, countRecord, counterRecord, sumRecord, type CounterSignal, type HistogramSignal } from "./signals.js";

/** Raw series, or the `instance`-level recording rules (cheaper over long ranges). */
export type Source = "raw" | "recorded";

export interface QueryOptions {
  readonly scope: Scope;
  readonly source: Source;
}

/**
 * How a request can end without a complete answer: the server failed it (`error`), or the client
 * went away (`abort`: a timeout, a closed tab, a cancelled stream). Only `error` is the server's
 * fault, so only it counts as an error; aborts are shown beside it.
 */
export const OUTCOME_REASONS = {
  error: FINISHED_REASONS.filter((reason) => reason === "error"),
  abort: FINISHED_REASONS.filter((reason) => reason === "abort"),
} as const;

/** `sum by (…groupLabels)` of the per-second bucket rates of a histogram signal, the buckets narrowed by `extra`. */
export function summedBucketRates(signal: HistogramSignal, options: QueryOptions, groupLabels: readonly string[], extra: Selector): string {
  const selector = [...options.scope.vllm, ...extra];
  if (options.source === "recorded") return sumBy(groupLabels, series(bucketRecord(signal), selector));
  const rates = signal.families.map((family) => rate(series(bucketSeries(family), selector), options.scope.window));
  return sumBy(groupLabels, firstOf(...rates));
}

/** `sum by (le, …by)` of the per-second bucket rates of a histogram signal (input of histogram_quantile). */
export function bucketRates(signal: HistogramSignal, options: QueryOptions, by: readonly string[]): string {
  return summedBucketRates(signal, options, ["le", ...by], []);
}

export function latencyQuantile(quantile: number, signal: HistogramSignal, options: QueryOptions, by: readonly string[]): string {
  return histogramQuantile(quantile, bucketRates(signal, options, by));
}

/**
 * Share of observations at or below `edge`, from the bucket counters: exact, unlike a quantile,
 * because `edge` is a bucket boundary (the schema accepts only those for SLO_TTFT_SECONDS and SLO_E2E_SECONDS).
 */
export function shareAtOrBelow(edge: number, signal: HistogramSignal, options: QueryOptions, by: readonly string[]): string {
  const atEdge = summedBucketRates(signal, options, by, [leMatcher(edge)]);
  const all = summedBucketRates(signal, options, by, [leMatcher(Number.POSITIVE_INFINITY)]);
  return `${atEdge} / ${all}`;
}

/** Mean observation: rate of `_sum` over rate of `_count`. */
export function histogramMean(signal: HistogramSignal, options: QueryOptions, by: readonly string[]): string {
  const selector = options.scope.vllm;
  if (options.source === "recorded" && signal.recordMean) {
    return `${sumBy(by, series(sumRecord(signal), selector))} / ${sumBy(by, series(countRecord(signal), selector))}`;
  }
  const sums = firstOf(...signal.families.map((family) => rate(series(sumSeries(family), selector), options.scope.window)));
  const counts = firstOf(...signal.families.map((family) => rate(series(countSeries(family), selector), options.scope.window)));
  return `${sumBy(by, sums)} / ${sumBy(by, counts)}`;
}

/** Per-second rate of a counter signal, summed by `by`. */
export function counterRate(signal: CounterSignal, options: QueryOptions, by: readonly string[], extra: Selector = []): string {
  const selector = [...options.scope.vllm, ...extra];
  if (options.source === "recorded") return sumBy(by, series(counterRecord(signal), selector));
  return sumBy(by, rate(series(signal.family.name, selector), options.scope.window));
}

/** Requests per second that ended in `error` (or in `abort`); 0 rather than no data when none did. */
export function outcomeRate(
  outcome: keyof typeof OUTCOME_REASONS,
  requests: CounterSignal,
  options: QueryOptions,
  by: readonly string[],
): string {
  const ended = counterRate(
    requests,
    options,
    ["finished_reason", ...by],
    [matcher("finished_reason", "=~", OUTCOME_REASONS[outcome].join("|"))],
  );
  const all = counterRate(requests, options, ["finished_reason", ...by]);
  // why: `or 0 * all` turns "no error series at all" (V0 creates them lazily) into 0 instead of no data.
  return sumBy(by, `${ended} or 0 * ${all}`);
}

export function errorRate(requests: CounterSignal, options: QueryOptions, by: readonly string[]): string {
  return outcomeRate("error", requests, options, by);
}

/** Requests per second that finished with a complete answer (stop, length, repetition). */
export function successRate(requests: CounterSignal, options: QueryOptions, by: readonly string[]): string {
  const incomplete = [...OUTCOME_REASONS.error, ...OUTCOME_REASONS.abort];
  return counterRate(requests, options, by, [matcher("finished_reason", "!~", incomplete.join("|"))]);
}

/** Share of finished requests that ended in `error` (or in `abort`). */
export function outcomeRatio(
  outcome: keyof typeof OUTCOME_REASONS,
  requests: CounterSignal,
  options: QueryOptions,
  by: readonly string[],
): string {
  return `${outcomeRate(outcome, requests, options, by)} / ${counterRate(requests, options, by)}`;
}

/** Share of finished requests the server failed (`finished_reason="error"`). */
export function errorRatio(requests: CounterSignal, options: QueryOptions, by: readonly string[]): string {
  return outcomeRatio("error", requests, options, by);
}

export function requestsRunning(options: QueryOptions, by: readonly string[]): string {
  return sumBy(by, series(vllm.numRequestsRunning.name, options.scope.vllm));
}

export function requestsWaiting(options: QueryOptions, by: readonly string[]): string {
  return sumBy(by, series(vllm.numRequestsWaiting.name, options.scope.vllm));
}

/** KV-cache usage (0–1); averaged or maxed across engines and instances, never summed. */
export function kvCacheUsage(options: QueryOptions, by: readonly string[], aggregate: "avg" | "max"): string {
  // why: gpu_cache_usage_perc is the pre-0.9.2 (and V0) name of the same gauge.
  const usage = firstOf(
    series(vllm.kvCacheUsagePerc.name, options.scope.vllm),
    series(vllmLegacy.gpuCacheUsagePerc.name, options.scope.vllm),
  );
  return aggregate === "avg" ? avgBy(by, usage) : maxBy(by, usage);
}

/** Prefix-cache hit ratio (0–1) from token counters; V0 only has a block hit-rate gauge. */
export function prefixCacheHitRatio(options: QueryOptions, by: readonly string[]): string {
  const { vllm: selector, window } = options.scope;
  const ratioOf = (hits: string, queries: string) =>
    `${sumBy(by, rate(series(hits, selector), window))} / ${sumBy(by, rate(series(queries, selector), window))}`;
  return firstOf(
    `(${ratioOf(vllm.prefixCacheHits.name, vllm.prefixCacheQueries.name)})`,
    `(${ratioOf(vllmLegacy.gpuPrefixCacheHits.name, vllmLegacy.gpuPrefixCacheQueries.name)})`,
    // why: V0 writes -1 for "no hit rate" (prefix caching off, as on the real V0 pages); that is no ratio at all.
    avgBy(by, `${series(vllmLegacy.gpuPrefixCacheHitRate.name, selector)} >= 0`),
  );
}

/** Per-second preemptions. */
export function preemptionRate(signal: CounterSignal, options: QueryOptions, by: readonly string[]): string {
  return counterRate(signal, options, by);
}
