import { processCollector, vllm } from "../catalog/index.js";
import { avgBy, maxBy, minBy, sumBy } from "./functions.js";
import type { Scope } from "./scope.js";
import { series } from "./selector.js";
import { counterSignals, histogramSignals } from "./signals.js";
import { counterRate, errorRate, kvCacheUsage, latencyQuantile, requestsRunning, type QueryOptions } from "./vllm.js";

/** Per-instance views: which instance is sick, how evenly the load is spread, when a server restarted. */

const BY_TARGET = ["job", "instance"] as const;

/** Prompt plus generated tokens per second. */
export function tokensPerSecond(options: QueryOptions, by: readonly string[]): string {
  const counters = counterSignals();
  return `${counterRate(counters.promptTokens, options, by)} + ${counterRate(counters.generationTokens, options, by)}`;
}

export function preemptionsPerSecond(options: QueryOptions, by: readonly string[]): string {
  return counterRate(counterSignals().preemptions, options, by);
}

export function errorsPerSecond(options: QueryOptions, by: readonly string[]): string {
  return errorRate(counterSignals().requests, options, by);
}

export function latencyP95(signal: "ttft" | "e2e", options: QueryOptions, by: readonly string[]): string {
  return latencyQuantile(0.95, histogramSignals()[signal], options, by);
}

/**
 * Seconds since each vLLM server started, on every row of `by` (which must include job and
 * instance): `process_start_time_seconds` where the API server exports it (single process), else
 * the last reset of its generated-token counter within the dashboard's range, else the first
 * sample in the range (so "at least this long").
 */
export function uptimeSeconds(scope: Scope, by: readonly string[]): string {
  const started = maxBy(BY_TARGET, series(processCollector.startTimeSeconds.name, scope.target));
  const tokens = series(vllm.generationTokens.name, scope.vllm);
  // why: a subquery over the range finds when the counter last went back to zero (a restart without process_* series).
  const lastReset = `max_over_time(timestamp(resets(${tokens}[${scope.window}]) > 0)[$__range:${scope.window}])`;
  const firstSeen = `min_over_time(timestamp(${tokens})[$__range:${scope.window}])`;
  const startedAt = `${started} or ${maxBy(BY_TARGET, `${lastReset} or ${firstSeen}`)}`;
  const rows = `group by (${by.join(", ")}) (${series(vllm.numRequestsRunning.name, scope.vllm)})`;
  return `${rows} * on (job, instance) group_left () (time() - (${startedAt}))`;
}

/** Running requests of each instance (all engines), then their max, mean and min per model. */
export function runningSpread(options: QueryOptions, aggregate: "max" | "avg" | "min"): string {
  const perInstance = requestsRunning(options, [...BY_TARGET, "model_name"]);
  return spread(aggregate, perInstance);
}

/** KV-cache usage of each instance (its fullest engine), then the max, mean and min per model. */
export function kvUsageSpread(options: QueryOptions, aggregate: "max" | "avg" | "min"): string {
  return spread(aggregate, kvCacheUsage(options, [...BY_TARGET, "model_name"], "max"));
}

function spread(aggregate: "max" | "avg" | "min", perInstance: string): string {
  const byModel = ["model_name"];
  return aggregate === "max"
    ? maxBy(byModel, perInstance)
    : aggregate === "avg"
      ? avgBy(byModel, perInstance)
      : minBy(byModel, perInstance);
}

/**
 * Restarts of vLLM servers, for an annotation: the process start time changed, or a counter went
 * back (servers without process_* series). One event per instance and restart.
 */
export function restarts(scope: Scope): string {
  const vllmTargets = `group by (job, instance) (${series(vllm.numRequestsRunning.name, scope.vllm)})`;
  const startChanged = `changes(${series(processCollector.startTimeSeconds.name, scope.target)}[${scope.window}]) > 0 and on (job, instance) ${vllmTargets}`;
  const counterReset = `${sumBy(BY_TARGET, `resets(${series(vllm.generationTokens.name, scope.vllm)}[${scope.window}])`)} > 0`;
  return `max by (job, instance) (${startChanged} or ${counterReset})`;
}
