import { AGGREGATES, aggregateQuery, gpuHostQuery, gpuJobQuery, nodeHostQuery, sloRatioQuery, sloRatioRecord } from "./aggregates.js";
import { maxBy, sumBy } from "./functions.js";
import { VARIABLES, monitorMatcher, type Scope } from "./scope.js";
import { matcher, series } from "./selector.js";
import { MODEL_LEVEL_LABELS, counterSignals, histogramSignals, quantileRecord, type HistogramSignal } from "./signals.js";
import { errorRatio, latencyQuantile, type QueryOptions, type Source } from "./vllm.js";

/**
 * Queries of the Fleet overview. Through the recording rules (`recorded`) they read only the
 * aggregates of aggregates.ts, per job and model or per job, so a refresh costs the same at any
 * number of instances; the portable variant (`raw`) computes the same aggregates from raw series.
 */

/** The Fleet overview filters by job and model, and everything by the sender (monitor); GPU and host aggregates are otherwise fleet-wide. */
export function fleetScope(): Scope {
  const job = matcher("job", "=~", `$${VARIABLES.job}`);
  const monitor = monitorMatcher();
  return {
    vllm: [job, matcher("model_name", "=~", `$${VARIABLES.modelName}`), monitor],
    gpu: [monitor],
    node: [monitor],
    target: [job, monitor],
    hostname: ".*",
    window: "$__rate_interval",
  };
}

export interface FleetQuery {
  readonly source: Source;
}

function options(query: FleetQuery): QueryOptions {
  return { scope: fleetScope(), source: query.source };
}

function modelRecord(record: string, extra: readonly ReturnType<typeof matcher>[] = []): string {
  return series(record, [...fleetScope().vllm, ...extra]);
}

type Additive = "requests" | "promptTokens" | "generationTokens" | "preemptions" | "running" | "waiting";

/** A per-model sum (requests/s, tokens/s, running, waiting), over every job of the selection. */
export function fleetSum(key: Additive, query: FleetQuery, by: readonly string[] = ["model_name"]): string {
  return sumBy(by, query.source === "recorded" ? modelRecord(AGGREGATES[key]) : aggregateQuery(key, options(query)));
}

/** KV-cache usage per job and model: of the fullest engine (`max`) or on average (`avg`). */
export function fleetKvUsage(aggregate: "max" | "avg", query: FleetQuery): string {
  const key = aggregate === "max" ? "kvUsageMax" : "kvUsageAvg";
  return query.source === "recorded" ? modelRecord(AGGREGATES[key]) : aggregateQuery(key, options(query));
}

/** Share of finished requests the server failed, per model across jobs. */
export function fleetErrorRatio(query: FleetQuery): string {
  if (query.source === "raw") return errorRatio(counterSignals().requests, options(query), ["model_name"]);
  const all = sumBy(["model_name"], modelRecord(AGGREGATES.requests));
  const errors = sumBy(["model_name"], modelRecord(AGGREGATES.requests, [matcher("finished_reason", "=", "error")]));
  // why: V0 has no error reason; `or 0 * all` shows 0 instead of no data.
  return `(${errors} or 0 * ${all}) / ${all}`;
}

/** A latency quantile per job and model (quantiles of different jobs cannot be merged). */
export function fleetQuantile(signal: "ttft" | "e2e" | "interTokenLatency", quantile: number, query: FleetQuery): string {
  const histogram = histogramSignals()[signal];
  return query.source === "recorded"
    ? modelRecord(quantileRecord(histogram, quantile))
    : latencyQuantile(quantile, histogram, options(query), MODEL_LEVEL_LABELS);
}

/** Share of requests within the latency objective (a bucket edge), per job and model. */
export function fleetSloRatio(signal: "ttft" | "e2e", edge: number, query: FleetQuery): string {
  const histogram: HistogramSignal = histogramSignals()[signal];
  return query.source === "recorded" ? modelRecord(sloRatioRecord(histogram)) : sloRatioQuery(histogram, edge, options(query));
}

type GpuJobKey = "jobGpus" | "jobGpuUtilisation" | "jobGpuUtilisationMax" | "jobGpuPower" | "jobGpuTemperature";

/** A GPU figure per GPU-exporter job (every host of the job). */
export function fleetGpu(key: GpuJobKey, query: FleetQuery): string {
  return query.source === "recorded" ? AGGREGATES[key] : gpuJobQuery(key, fleetScope());
}

type HostKey = "gpus" | "gpuUtilisation" | "gpuPower" | "gpuTemperature" | "gpuMemoryUsed" | "gpuXid" | "hostCpuBusy" | "hostMemoryUsed";

/** One value per host name (GPU and node_exporter jobs joined by host), for the hosts table. */
export function fleetHost(key: HostKey, query: FleetQuery): string {
  if (query.source === "recorded") return maxBy(["hostname"], AGGREGATES[key]);
  const scope = fleetScope();
  return maxBy(["hostname"], key === "hostCpuBusy" || key === "hostMemoryUsed" ? nodeHostQuery(key, scope) : gpuHostQuery(key, scope));
}
