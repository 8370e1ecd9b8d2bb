import { vllm, vllmLegacy } from "../../catalog/index.js";
import { grafanaScope } from "../../promql/scope.js";
import { bucketRecord, counterSignals, histogramSignals, type HistogramSignal } from "../../promql/signals.js";
import {
  bucketRates,
  counterRate,
  errorRate,
  errorRatio,
  outcomeRate,
  outcomeRatio,
  histogramMean,
  latencyQuantile,
  prefixCacheHitRatio,
  preemptionRate,
  requestsRunning,
  requestsWaiting,
  shareAtOrBelow,
  successRate,
  type QueryOptions,
  type Source,
} from "../../promql/vllm.js";
import type { Thresholds } from "../config.js";
import { DASHBOARD_UIDS, linkTo, standardAnnotations } from "./navigation.js";
import { alertLine, buildDashboard, type DashboardModel, type DashboardSpec, type RowSpec, type TargetSpec } from "./panels.js";
import { apiRow } from "./rows/api.js";
import { objectivesRow } from "./rows/objectives.js";
import { requestPhasesRow } from "./rows/request-phases.js";
import { vllmVariables } from "./variables.js";

export const USER_OVERVIEW_UID = DASHBOARD_UIDS.user;

const TO_INSTANCES = linkTo("Instances: which server is it?", DASHBOARD_UIDS.instances, ["job", "instance", "model_name", "engine"]);

export interface DashboardOptions {
  /** `recorded` reads the recording rules of rules/vllm-recording.yml where that is cheaper. */
  readonly source: Source;
  readonly thresholds: Thresholds;
}

const BY_MODEL = ["model_name"] as const;

function percentLabel(quantile: number): string {
  return `p${Math.round(quantile * 100)}`;
}

function quantileTargets(quantiles: readonly number[], signal: HistogramSignal, query: QueryOptions, prefix = ""): TargetSpec[] {
  return quantiles.map((quantile) => ({
    expr: latencyQuantile(quantile, signal, query, BY_MODEL),
    legend: `${prefix}${percentLabel(quantile)} {{model_name}}`,
  }));
}

function recordedNote(signal: HistogramSignal, query: QueryOptions): string {
  return query.source === "recorded" ? ` Reads the recording rule ${bucketRecord(signal)} (5-minute rates).` : "";
}

function trafficRow(query: QueryOptions, thresholds: Thresholds): RowSpec {
  const { requests } = counterSignals();
  return {
    title: "Traffic",
    panels: [
      {
        key: "user/requests-by-reason",
        kind: "timeseries",
        title: "Finished requests by reason",
        description:
          "Requests finished per second, by model and finished_reason (stop, length, abort, error, repetition). " +
          `Source: ${vllm.requestSuccess.name}, which counts every finished request, not only successful ones.`,
        unit: "reqps",
        legend: "table",
        links: [TO_INSTANCES],
        targets: [{ expr: counterRate(requests, query, ["model_name", "finished_reason"]), legend: "{{model_name}} {{finished_reason}}" }],
      },
      {
        key: "user/success-error-rate",
        kind: "timeseries",
        title: "Completed, failed and aborted requests",
        description:
          "Requests per second that finished with a complete answer, that the server failed (finished_reason error) and that the client abandoned " +
          `(finished_reason abort: a timeout, a closed connection; not the server's fault, so not counted as an error). Source: ${vllm.requestSuccess.name}.`,
        unit: "reqps",
        targets: [
          { expr: successRate(requests, query, BY_MODEL), legend: "completed {{model_name}}" },
          { expr: errorRate(requests, query, BY_MODEL), legend: "failed {{model_name}}" },
          { expr: outcomeRate("abort", requests, query, BY_MODEL), legend: "aborted by client {{model_name}}" },
        ],
      },
      {
        key: "user/error-ratio",
        kind: "stat",
        title: "Error ratio",
        description:
          `Share of finished requests the server failed (finished_reason error); red above the alert threshold (${thresholds.errorRatio.ratio * 100}%). ` +
          `The client-abort share is shown beside it and never alerts. Source: ${vllm.requestSuccess.name}.`,
        unit: "percentunit",
        width: 4,
        min: 0,
        thresholds: alertLine(thresholds.errorRatio.ratio),
        targets: [
          { expr: errorRatio(requests, query, BY_MODEL), legend: "errors {{model_name}}" },
          { expr: outcomeRatio("abort", requests, query, BY_MODEL), legend: "aborted by client {{model_name}}" },
        ],
      },
      {
        key: "user/running-waiting",
        kind: "timeseries",
        title: "Running and waiting requests",
        description: `Requests in the running batch and in the queue, summed across engines and instances. Sources: ${vllm.numRequestsRunning.name}, ${vllm.numRequestsWaiting.name}.`,
        unit: "short",
        width: 4,
        links: [TO_INSTANCES],
        targets: [
          { expr: requestsRunning(query, BY_MODEL), legend: "running {{model_name}}" },
          { expr: requestsWaiting(query, BY_MODEL), legend: "waiting {{model_name}}" },
        ],
      },
    ],
  };
}

function latencyRow(query: QueryOptions, thresholds: Thresholds): RowSpec {
  const signals = histogramSignals();
  return {
    title: "Latency",
    panels: [
      {
        key: "user/ttft-quantiles",
        kind: "timeseries",
        title: "Time to first token",
        description:
          `TTFT quantiles per model, from ${vllm.timeToFirstToken.name} buckets summed across engines and instances before the quantile; ` +
          `the dashed line is the ${thresholds.ttft.seconds}s objective (SLO_TTFT_SECONDS).` +
          recordedNote(signals.ttft, query),
        unit: "s",
        width: 12,
        legend: "table",
        thresholdLine: true,
        thresholds: alertLine(thresholds.ttft.seconds),
        links: [TO_INSTANCES],
        targets: quantileTargets([0.5, 0.9, 0.95, 0.99], signals.ttft, query),
      },
      {
        key: "user/e2e-quantiles",
        kind: "timeseries",
        title: "End-to-end latency",
        description:
          `Request latency from arrival to finish, per model, from ${vllm.e2eRequestLatency.name}; the dashed line is the ${thresholds.e2e.seconds}s objective (SLO_E2E_SECONDS).` +
          recordedNote(signals.e2e, query),
        unit: "s",
        width: 12,
        legend: "table",
        thresholdLine: true,
        thresholds: alertLine(thresholds.e2e.seconds),
        links: [TO_INSTANCES],
        targets: quantileTargets([0.5, 0.95, 0.99], signals.e2e, query),
      },
      {
        key: "user/queue-time",
        kind: "timeseries",
        title: "Queue time",
        description:
          `Time requests spent waiting before being scheduled: p95 and mean, from ${vllm.requestQueueTime.name} ` +
          `(or ${vllmLegacy.timeInQueueRequests.name} on old V0 servers).` +
          recordedNote(signals.queueTime, query),
        unit: "s",
        targets: [
          ...quantileTargets([0.95], signals.queueTime, query),
          { expr: histogramMean(signals.queueTime, query, BY_MODEL), legend: "mean {{model_name}}" },
        ],
      },
      {
        key: "user/itl-tpot",
        kind: "timeseries",
        title: "Inter-token latency and time per output token",
        description:
          `Inter-token latency quantiles (${vllm.interTokenLatency.name}, or ${vllmLegacy.timePerOutputToken.name} before vLLM 0.11) ` +
          `and the per-request mean time per output token (${vllm.requestTimePerOutputToken.name}, vLLM ≥ 0.11 only); ` +
          `the dashed line is the ${thresholds.itl.seconds}s objective (SLO_ITL_SECONDS) that the p${Math.round(thresholds.itl.quantile * 100)} ITL alerts on.`,
        unit: "s",
        legend: "table",
        thresholdLine: true,
        thresholds: alertLine(thresholds.itl.seconds),
        targets: [
          ...quantileTargets([0.5, 0.95, 0.99], signals.interTokenLatency, query, "ITL "),
          ...quantileTargets([0.5, 0.95], signals.requestTimePerOutputToken, query, "TPOT "),
        ],
      },
      {
        key: "user/ttft-heatmap",
        kind: "heatmap",
        title: "Time to first token distribution",
        description:
          `Requests per second in each TTFT bucket of ${vllm.timeToFirstToken.name}, summed across the selection.` +
          recordedNote(signals.ttft, query),
        unit: "s",
        targets: [{ expr: bucketRates(signals.ttft, query, []), legend: "{{le}}", format: "heatmap" }],
      },
      {
        key: "user/itl-heatmap",
        kind: "heatmap",
        title: "Inter-token latency distribution",
        description:
          `Token gaps per second in each bucket of ${vllm.interTokenLatency.name} (or ${vllmLegacy.timePerOutputToken.name} before vLLM 0.11): ` +
          "a band that climbs is a slower decode for everyone, a second band is a group of stalled streams." +
          recordedNote(signals.interTokenLatency, query),
        unit: "s",
        targets: [{ expr: bucketRates(signals.interTokenLatency, query, []), legend: "{{le}}", format: "heatmap" }],
      },
      {
        key: "user/e2e-heatmap",
        kind: "heatmap",
        title: "End-to-end latency distribution",
        description:
          `Requests per second in each bucket of ${vllm.e2eRequestLatency.name}: short chats and long generations show as separate bands.` +
          recordedNote(signals.e2e, query),
        unit: "s",
        targets: [{ expr: bucketRates(signals.e2e, query, []), legend: "{{le}}", format: "heatmap" }],
      },
    ],
  };
}

function tokensRow(query: QueryOptions): RowSpec {
  const signals = histogramSignals();
  const counters = counterSignals();
  return {
    title: "Tokens and cache",
    panels: [
      {
        key: "user/token-throughput",
        kind: "timeseries",
        title: "Prompt and generation tokens per second",
        description: `Prefill tokens (${vllm.promptTokens.name}, cached ones included) and generated tokens (${vllm.generationTokens.name}) per second.`,
        unit: "suffix: tok/s",
        targets: [
          { expr: counterRate(counters.promptTokens, query, BY_MODEL), legend: "prompt {{model_name}}" },
          { expr: counterRate(counters.generationTokens, query, BY_MODEL), legend: "generation {{model_name}}" },
        ],
      },
      {
        key: "user/prompt-length",
        kind: "timeseries",
        title: "Prompt length",
        description: `Prompt tokens per finished request (p50, p90, p99), from ${vllm.requestPromptTokens.name}; buckets follow vLLM's 1-2-5 series.`,
        unit: "short",
        targets: quantileTargets([0.5, 0.9, 0.99], signals.promptLength, query),
      },
      {
        key: "user/output-length",
        kind: "timeseries",
        title: "Output length",
        description: `Generated tokens per finished request (p50, p90, p99), from ${vllm.requestGenerationTokens.name}.`,
        unit: "short",
        targets: quantileTargets([0.5, 0.9, 0.99], signals.outputLength, query),
      },
      {
        key: "user/prefix-cache-hit-rate",
        kind: "timeseries",
        title: "Prefix cache hit rate",
        description:
          `Share of prompt tokens served from the prefix cache: ${vllm.prefixCacheHits.name} / ${vllm.prefixCacheQueries.name}, ` +
          `or the gpu_prefix_cache_* counters (vLLM 0.7.3–0.11), or V0's ${vllmLegacy.gpuPrefixCacheHitRate.name} gauge.`,
        unit: "percentunit",
        min: 0,
        max: 1,
        targets: [{ expr: prefixCacheHitRatio(query, BY_MODEL), legend: "{{model_name}}" }],
      },
      {
        key: "user/preemptions",
        kind: "timeseries",
        title: "Preemptions",
        description: `Requests preempted per second (${vllm.numPreemptions.name}): the KV cache ran out and work is recomputed.`,
        unit: "ops",
        targets: [{ expr: preemptionRate(counters.preemptions, query, BY_MODEL), legend: "{{model_name}}" }],
      },
    ],
  };
}

function sloRow(query: QueryOptions, thresholds: Thresholds): RowSpec {
  const signals = histogramSignals();
  const steps = (target: number) => [
    { value: null, color: "red" },
    { value: target, color: "green" },
  ];
  const ttft = {
    expr: shareAtOrBelow(thresholds.ttft.seconds, signals.ttft, query, BY_MODEL),
    legend: `TTFT ≤ ${thresholds.ttft.seconds}s {{model_name}}`,
  };
  const e2e = {
    expr: shareAtOrBelow(thresholds.e2e.seconds, signals.e2e, query, BY_MODEL),
    legend: `E2E ≤ ${thresholds.e2e.seconds}s {{model_name}}`,
  };
  return {
    title: "Service level",
    panels: [
      {
        key: "user/slo-ttft",
        kind: "stat",
        title: `Requests with TTFT ≤ ${thresholds.ttft.seconds}s`,
        description: `Share of requests whose first token came within ${thresholds.ttft.seconds}s, read from the bucket counters (the threshold is a bucket edge, so the share is exact). Objective: ${thresholds.ttftBudget.objective * 100}% (SLO_TTFT_TARGET).`,
        unit: "percentunit",
        min: 0,
        max: 1,
        thresholds: steps(thresholds.ttftBudget.objective),
        targets: [ttft],
      },
      {
        key: "user/slo-e2e",
        kind: "stat",
        title: `Requests with E2E ≤ ${thresholds.e2e.seconds}s`,
        description: `Share of requests that finished within ${thresholds.e2e.seconds}s of arrival, from the bucket counters. Objective: ${thresholds.e2e.quantile * 100}%.`,
        unit: "percentunit",
        min: 0,
        max: 1,
        thresholds: steps(thresholds.e2e.quantile),
        targets: [e2e],
      },
      {
        key: "user/slo-over-time",
        kind: "timeseries",
        title: "Service level over time",
        description: "The two shares above over time; below the objective line means the latency alerts are about to fire.",
        unit: "percentunit",
        min: 0,
        max: 1,
        targets: [ttft, e2e],
      },
    ],
  };
}

/** What the people sending requests feel: traffic, latency, tokens, service level. */
export function userOverviewSpec(options: DashboardOptions): DashboardSpec {
  const thresholds = options.thresholds;
  const query: QueryOptions = { scope: grafanaScope(), source: options.source };
  return {
    uid: USER_OVERVIEW_UID,
    title: "vLLM / User overview",
    description:
      "What clients of the vLLM servers experience. Works with vLLM V1 (current and 0.10-era names) and V0. " +
      (options.source === "recorded"
        ? "Latency and rate panels read the recording rules of rules/vllm-recording.yml: load them into Prometheus."
        : ""),
    tags: ["vllm", "llm"],
    variables: vllmVariables(),
    annotations: standardAnnotations(query.scope),
    rows: [
      trafficRow(query, thresholds),
      sloRow(query, thresholds),
      objectivesRow(query, thresholds),
      latencyRow(query, thresholds),
      requestPhasesRow(query),
      tokensRow(query),
      apiRow(query, thresholds),
    ],
  };
}

export function userOverviewDashboard(options: DashboardOptions): DashboardModel {
  return buildDashboard(userOverviewSpec(options));
}
