/**
 * What `vllm-monitor top` asks Prometheus: one instant query per column, every vLLM series grouped
 * per server and engine, and the GPUs per host. Built from the same PromQL builders as the
 * dashboards. Pure.
 */
import { gpuMemoryUsedRatio, gpuUtilisationPercent } from "../promql/gpu.js";
import * as instances from "../promql/instances.js";
import { ruleScope } from "../promql/scope.js";
import { histogramSignals, counterSignals } from "../promql/signals.js";
import { counterRate, kvCacheUsage, latencyQuantile, requestsRunning, requestsWaiting, type QueryOptions } from "../promql/vllm.js";

/** One line per vLLM server and data-parallel engine. */
export const ROW_LABELS = ["job", "instance", "model_name", "engine"] as const;

export type RowColumn = "running" | "waiting" | "kvCache" | "ttftP95" | "itlP95" | "generationTokens" | "errors" | "finished";
export type HostColumn = "gpuUtilisation" | "gpuMemory";

export interface TopQueries {
  readonly rows: Readonly<Record<RowColumn, string>>;
  /** The host of each row: the `hostname` its target is labelled with. */
  readonly hosts: string;
  readonly gpus: Readonly<Record<HostColumn, string>>;
}

/** `window` is the range of every rate (e.g. four scrape intervals). */
export function topQueries(window: string): TopQueries {
  const options: QueryOptions = { scope: ruleScope(window), source: "raw" };
  const by = ROW_LABELS;
  const histograms = histogramSignals();
  return {
    rows: {
      running: requestsRunning(options, by),
      waiting: requestsWaiting(options, by),
      kvCache: kvCacheUsage(options, by, "max"),
      ttftP95: latencyQuantile(0.95, histograms.ttft, options, by),
      itlP95: latencyQuantile(0.95, histograms.interTokenLatency, options, by),
      generationTokens: counterRate(counterSignals().generationTokens, options, by),
      errors: instances.errorsPerSecond(options, by),
      finished: counterRate(counterSignals().requests, options, by),
    },
    hosts: requestsRunning(options, [...by, "hostname"]),
    gpus: {
      gpuUtilisation: `avg by (hostname) (${gpuUtilisationPercent(options.scope)})`,
      gpuMemory: `avg by (hostname) (${gpuMemoryUsedRatio(options.scope)})`,
    },
  };
}
