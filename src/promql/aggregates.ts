import { dcgm, httpServer, vllm } from "../catalog/index.js";
import { avgBy, copyLabel, maxBy, sumBy } from "./functions.js";
import { gpuGauge, gpuMemoryUsedRatio, gpuPowerWatts, gpuTemperatureCelsius, gpuUtilisationPercent } from "./gpu.js";
import { cpuBusyPercent, memoryUsedRatio } from "./node.js";
import { ruleScope, type Scope } from "./scope.js";
import { matcher, series } from "./selector.js";
import {
  MODEL_LEVEL_LABELS,
  RECORDING_WINDOW,
  counterSignals,
  histogramSignals,
  recordedMetricPart,
  type HistogramSignal,
} from "./signals.js";
import { counterRate, kvCacheUsage, requestsRunning, requestsWaiting, shareAtOrBelow, type QueryOptions } from "./vllm.js";

/**
 * Recording rules whose series count does not grow with the number of vLLM instances: per job and
 * model (`job_model_name:`), per job and GPU host (`job_hostname:`) and per job (`job:`). The Fleet
 * overview reads only these, so its refresh costs the same for 10 or 1,000 instances (the
 * objectives' windows are in slo.ts). Names follow `level:metric:operations`, the metric part built
 * like signals.ts: the wire name with ':' → '_', or a neutral name where several exporters feed it.
 */

export const HOST_LEVEL_LABELS = ["job", "hostname"] as const;
export const JOB_LEVEL_LABELS = ["job"] as const;

const model = (metric: string, operations: string) => `job_model_name:${metric}:${operations}`;
const host = (metric: string, operations: string) => `job_hostname:${metric}:${operations}`;
const job = (metric: string, operations: string) => `job:${metric}:${operations}`;
const counterPart = (wireName: string) => recordedMetricPart(wireName.replace(/_total$/, ""));

/** Every aggregate record name, for dashboards, alerts and tests. */
export const AGGREGATES = {
  /** Finished requests per second, keeping `finished_reason`. */
  requests: model(counterPart(vllm.requestSuccess.name), `rate${RECORDING_WINDOW}`),
  promptTokens: model(counterPart(vllm.promptTokens.name), `rate${RECORDING_WINDOW}`),
  generationTokens: model(counterPart(vllm.generationTokens.name), `rate${RECORDING_WINDOW}`),
  preemptions: model(counterPart(vllm.numPreemptions.name), `rate${RECORDING_WINDOW}`),
  running: model(recordedMetricPart(vllm.numRequestsRunning.name), "sum"),
  waiting: model(recordedMetricPart(vllm.numRequestsWaiting.name), "sum"),
  kvUsageMax: model(recordedMetricPart(vllm.kvCacheUsagePerc.name), "max"),
  kvUsageAvg: model(recordedMetricPart(vllm.kvCacheUsagePerc.name), "avg"),
  /** HTTP requests per second of vLLM API servers, keeping `status`. */
  httpRequests: job(counterPart(httpServer.requests.name), `rate${RECORDING_WINDOW}`),
  http5xxRatio: job(`${counterPart(httpServer.requests.name)}_5xx`, `ratio_rate${RECORDING_WINDOW}`),
  /** Requests per second vLLM's admission caps refused with 503 (load shedding), keeping `reason`. */
  admissionRejections: job(counterPart(vllm.admissionRejections.name), `rate${RECORDING_WINDOW}`),
  gpus: host("gpus", "count"),
  gpuUtilisation: host("gpu_utilisation_percent", "avg"),
  gpuPower: host("gpu_power_watts", "sum"),
  gpuTemperature: host("gpu_temperature_celsius", "max"),
  gpuMemoryUsed: host("gpu_memory_used_ratio", "max"),
  gpuXid: host(recordedMetricPart(dcgm.xidErrors.name.toLowerCase()), "max"),
  hostCpuBusy: host("node_cpu_busy_percent", "avg"),
  hostMemoryUsed: host("node_memory_used_ratio", "max"),
  jobGpus: job("gpus", "count"),
  jobGpuUtilisation: job("gpu_utilisation_percent", "avg"),
  jobGpuUtilisationMax: job("gpu_utilisation_percent", "max"),
  jobGpuPower: job("gpu_power_watts", "sum"),
  jobGpuTemperature: job("gpu_temperature_celsius", "max"),
} as const;

/** Share of requests with a TTFT (or E2E) at or below the objective's bucket edge, per job and model. */
export function sloRatioRecord(signal: HistogramSignal): string {
  const family = signal.families[0];
  if (family === undefined) throw new Error(`histogram signal ${signal.key} names no family`);
  return model(recordedMetricPart(family.name), `slo_ratio_rate${RECORDING_WINDOW}`);
}

export interface AggregateRule {
  readonly record: string;
  readonly expr: string;
}

export interface AggregateOptions {
  /** Bucket edges of the latency objectives (SLO_TTFT_SECONDS, SLO_E2E_SECONDS). */
  readonly ttftSeconds: number;
  readonly e2eSeconds: number;
}

/**
 * What each aggregate record computes, as a query of `options`: rules call it with the rule scope
 * and `recorded` (reading the `instance:` rates where they exist), the portable Fleet overview with
 * Grafana's filters and `raw`. Only the aggregates a dashboard shows are here; the others are rules only.
 */
export function aggregateQuery(
  key: "requests" | "promptTokens" | "generationTokens" | "preemptions" | "running" | "waiting" | "kvUsageMax" | "kvUsageAvg",
  options: QueryOptions,
): string {
  const counters = counterSignals();
  const byModel = MODEL_LEVEL_LABELS;
  switch (key) {
    case "requests":
      return counterRate(counters.requests, options, [...byModel, "finished_reason"]);
    case "promptTokens":
      return counterRate(counters.promptTokens, options, byModel);
    case "generationTokens":
      return counterRate(counters.generationTokens, options, byModel);
    case "preemptions":
      return counterRate(counters.preemptions, options, byModel);
    case "running":
      return requestsRunning(options, byModel);
    case "waiting":
      return requestsWaiting(options, byModel);
    case "kvUsageMax":
      return kvCacheUsage(options, byModel, "max");
    case "kvUsageAvg":
      return kvCacheUsage(options, byModel, "avg");
  }
}

export function sloRatioQuery(signal: HistogramSignal, edge: number, options: QueryOptions): string {
  return shareAtOrBelow(edge, signal, options, MODEL_LEVEL_LABELS);
}

/** Per job and GPU host: GPUs, mean utilisation, summed power, hottest GPU, fullest memory, last Xid. */
export function gpuHostQuery(
  key: "gpus" | "gpuUtilisation" | "gpuPower" | "gpuTemperature" | "gpuMemoryUsed" | "gpuXid",
  scope: Scope,
): string {
  const byHost = HOST_LEVEL_LABELS;
  switch (key) {
    case "gpus":
      return `count by (job, hostname) (${gpuTemperatureCelsius(scope)})`;
    case "gpuUtilisation":
      return avgBy(byHost, gpuUtilisationPercent(scope));
    case "gpuPower":
      return sumBy(byHost, gpuPowerWatts(scope));
    case "gpuTemperature":
      return maxBy(byHost, gpuTemperatureCelsius(scope));
    case "gpuMemoryUsed":
      return maxBy(byHost, gpuMemoryUsedRatio(scope));
    case "gpuXid":
      return maxBy(byHost, gpuGauge(dcgm.xidErrors, scope));
  }
}

/**
 * Per job and host from node_exporter: CPU busy % and RAM used share. The host is the target's
 * `hostname` label (our configs set it, the same one the host's vLLM and GPUs carry), else the host of `instance`.
 */
export function nodeHostQuery(key: "hostCpuBusy" | "hostMemoryUsed", scope: Scope): string {
  const measure = key === "hostCpuBusy" ? cpuBusyPercent : memoryUsedRatio;
  const aggregate = key === "hostCpuBusy" ? avgBy : maxBy;
  const named = measure({ ...scope, node: [...scope.node, matcher("hostname", "!=", "")] });
  // why: a node_exporter scraped by another config has no `hostname`; its instance names the host.
  const unnamed = copyLabel(
    measure({ ...scope, node: [...scope.node, matcher("hostname", "=", "")] }),
    "hostname",
    "instance",
    "([^:]+).*",
  );
  return `${aggregate(HOST_LEVEL_LABELS, named)} or ${aggregate(HOST_LEVEL_LABELS, unnamed)}`;
}

/** Per job over every GPU of the job: GPUs, mean and busiest-host utilisation, power, hottest GPU. */
export function gpuJobQuery(
  key: "jobGpus" | "jobGpuUtilisation" | "jobGpuUtilisationMax" | "jobGpuPower" | "jobGpuTemperature",
  scope: Scope,
): string {
  const byJob = JOB_LEVEL_LABELS;
  switch (key) {
    case "jobGpus":
      return `count by (job) (${gpuTemperatureCelsius(scope)})`;
    case "jobGpuUtilisation":
      return avgBy(byJob, gpuUtilisationPercent(scope));
    case "jobGpuUtilisationMax":
      return maxBy(byJob, gpuHostQuery("gpuUtilisation", scope));
    case "jobGpuPower":
      return sumBy(byJob, gpuPowerWatts(scope));
    case "jobGpuTemperature":
      return maxBy(byJob, gpuTemperatureCelsius(scope));
  }
}

/**
 * 5xx answers that were server failures, as a share of all HTTP requests, per job.
 * why: the instrumentator groups 503 into "5xx"; the 503s of load shedding (admission rejections, vLLM 0.32+) are no failure.
 */
function http5xxRatioRule(): string {
  const errors = sumBy(JOB_LEVEL_LABELS, series(AGGREGATES.httpRequests, [matcher("status", "=", "5xx")]));
  const shed = `(${sumBy(JOB_LEVEL_LABELS, AGGREGATES.admissionRejections)} or 0 * ${errors})`;
  return `clamp_min(${errors} - ${shed}, 0) / ${sumBy(JOB_LEVEL_LABELS, AGGREGATES.httpRequests)}`;
}

/**
 * The aggregate rules, in evaluation order (each reads only raw series or rules before it, and the
 * `instance:` rates of signals.ts, which the recording group evaluates first).
 */
export function aggregateRules(options: AggregateOptions): AggregateRule[] {
  const scope = ruleScope(RECORDING_WINDOW);
  const recorded: QueryOptions = { scope, source: "recorded" };
  const histograms = histogramSignals();
  // why: only the HTTP series of jobs that serve vLLM; other Python services export http_requests_total too.
  const vllmJobs = `group by (job) (${series(vllm.numRequestsRunning.name)})`;
  const modelKeys = [
    "requests",
    "promptTokens",
    "generationTokens",
    "preemptions",
    "running",
    "waiting",
    "kvUsageMax",
    "kvUsageAvg",
  ] as const;
  const hostKeys = ["gpus", "gpuUtilisation", "gpuPower", "gpuTemperature", "gpuMemoryUsed", "gpuXid"] as const;
  return [
    ...modelKeys.map((key) => ({ record: AGGREGATES[key], expr: aggregateQuery(key, recorded) })),
    { record: sloRatioRecord(histograms.ttft), expr: sloRatioQuery(histograms.ttft, options.ttftSeconds, recorded) },
    { record: sloRatioRecord(histograms.e2e), expr: sloRatioQuery(histograms.e2e, options.e2eSeconds, recorded) },
    {
      record: AGGREGATES.httpRequests,
      expr: `${sumBy(["job", "status"], `rate(${series(httpServer.requests.name)}[${RECORDING_WINDOW}])`)} and on (job) ${vllmJobs}`,
    },
    {
      record: AGGREGATES.admissionRejections,
      expr: sumBy(["job", "reason"], `rate(${series(vllm.admissionRejections.name)}[${RECORDING_WINDOW}])`),
    },
    { record: AGGREGATES.http5xxRatio, expr: http5xxRatioRule() },
    ...hostKeys.map((key) => ({ record: AGGREGATES[key], expr: gpuHostQuery(key, scope) })),
    { record: AGGREGATES.hostCpuBusy, expr: nodeHostQuery("hostCpuBusy", scope) },
    { record: AGGREGATES.hostMemoryUsed, expr: nodeHostQuery("hostMemoryUsed", scope) },
    // why: job totals from the per-host records, so a Fleet refresh reads one series per job.
    { record: AGGREGATES.jobGpus, expr: sumBy(JOB_LEVEL_LABELS, AGGREGATES.gpus) },
    {
      record: AGGREGATES.jobGpuUtilisation,
      expr: `${sumBy(JOB_LEVEL_LABELS, `${AGGREGATES.gpuUtilisation} * ${AGGREGATES.gpus}`)} / ${sumBy(JOB_LEVEL_LABELS, AGGREGATES.gpus)}`,
    },
    { record: AGGREGATES.jobGpuUtilisationMax, expr: maxBy(JOB_LEVEL_LABELS, AGGREGATES.gpuUtilisation) },
    { record: AGGREGATES.jobGpuPower, expr: sumBy(JOB_LEVEL_LABELS, AGGREGATES.gpuPower) },
    { record: AGGREGATES.jobGpuTemperature, expr: maxBy(JOB_LEVEL_LABELS, AGGREGATES.gpuTemperature) },
  ];
}
