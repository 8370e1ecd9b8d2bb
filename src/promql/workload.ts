import { bucketSeries, countSeries, processCollector, sumSeries, vllm, type MetricFamily } from "../catalog/index.js";
import { selectorFor } from "./engine.js";
import { histogramQuantile, rate, sumBy } from "./functions.js";
import type { Scope } from "./scope.js";
import { matcher, series } from "./selector.js";

/**
 * What requests ask for and what happens to them in the newest vLLM: preemptions per request,
 * the request parameters, load shedding by the admission caps, sleep mode and the API server
 * process. Raw series: no recording rule covers them.
 */

function rateOf(family: MetricFamily, scope: Scope, name = family.name): string {
  return rate(series(name, selectorFor(family, scope)), scope.window);
}

/** `quantile` of a histogram family, summed by `by` and `le`. */
export function histogramFamilyQuantile(quantile: number, family: MetricFamily, scope: Scope, by: readonly string[]): string {
  return histogramQuantile(quantile, sumBy([...by, "le"], rateOf(family, scope, bucketSeries(family))));
}

/** Mean observed value of a histogram family (`_sum` / `_count`). */
export function histogramFamilyMean(family: MetricFamily, scope: Scope, by: readonly string[]): string {
  return `${sumBy(by, rateOf(family, scope, sumSeries(family)))} / ${sumBy(by, rateOf(family, scope, countSeries(family)))}`;
}

/**
 * Share of finished requests preempted twice or more: above the first bucket (le="1", which
 * holds the never-preempted and the once-preempted alike).
 */
export function preemptedTwiceShare(scope: Scope, by: readonly string[]): string {
  const family = vllm.requestNumPreemptions;
  const atMostOnce = sumBy(
    by,
    rate(series(bucketSeries(family), [...selectorFor(family, scope), matcher("le", "=~", "1(\\.0)?")]), scope.window),
  );
  return `1 - ${atMostOnce} / ${sumBy(by, rateOf(family, scope, countSeries(family)))}`;
}

/** Prompt tokens per second computed in prefill (not found in a cache), per `by`. */
export function prefillComputedTokens(scope: Scope, by: readonly string[]): string {
  const family = vllm.requestPrefillKvComputedTokens;
  return sumBy(by, rateOf(family, scope, sumSeries(family)));
}

/** Prompt tokens per second served from a cache (local or external). */
export function prefillCachedTokens(scope: Scope, by: readonly string[]): string {
  return sumBy(by, rateOf(vllm.promptTokensCached, scope));
}

/** A cache's hit rate: hits / queries of two counters. */
export function hitRate(hits: MetricFamily, queries: MetricFamily, scope: Scope, by: readonly string[]): string {
  return `${sumBy(by, rateOf(hits, scope))} / ${sumBy(by, rateOf(queries, scope))}`;
}

/** Per engine: 0 awake, 1 sleep level 1 (weights offloaded), 2 sleep level 2 (weights discarded). */
export function sleepLevel(scope: Scope, by: readonly string[]): string {
  const family = vllm.engineSleepState;
  const state = (value: string) => series(family.name, [...selectorFor(family, scope), matcher("sleep_state", "=", value)]);
  // why: one gauge per state, exactly one at 1; weighting them gives the level as one number.
  return `${sumBy(by, state("weights_offloaded"))} + 2 * ${sumBy(by, state("discard_all"))}`;
}

/** Engines reporting sleep (awake = 0), as a series that exists only while they sleep: for annotations and `unless`. */
export function sleepingEngines(scope: Scope, by: readonly string[]): string {
  const family = vllm.engineSleepState;
  return `max by (${by.join(", ")}) (${series(family.name, [...selectorFor(family, scope), matcher("sleep_state", "=", "awake")])} == 0)`;
}

/** API server CPU use in cores (process_cpu_seconds_total of the vLLM target). */
export function apiServerCpuCores(scope: Scope, by: readonly string[]): string {
  return onVllmTargets(sumBy(by, rate(series(processCollector.cpuSeconds.name, scope.target), scope.window)), scope);
}

export function apiServerResidentBytes(scope: Scope, by: readonly string[]): string {
  return onVllmTargets(sumBy(by, series(processCollector.residentMemoryBytes.name, scope.target)), scope);
}

/** Open file descriptors against the process limit, 0–1. */
export function apiServerOpenFdsRatio(scope: Scope, by: readonly string[]): string {
  const ratio = `${sumBy(by, series(processCollector.openFds.name, scope.target))} / ${sumBy(by, series(processCollector.maxFds.name, scope.target))}`;
  return onVllmTargets(`(${ratio})`, scope);
}

/**
 * `expr` kept for vLLM targets only (node_exporter and GPU exporters write process_* too): the
 * target must also export vllm:num_requests_running.
 */
function onVllmTargets(expr: string, scope: Scope): string {
  return `${expr} and on (job, instance) group by (job, instance) (${series(vllm.numRequestsRunning.name, scope.vllm)})`;
}
