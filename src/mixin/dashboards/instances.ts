import { processCollector, vllm } from "../../catalog/index.js";
import type { Thresholds } from "../config.js";
import * as instances from "../../promql/instances.js";
import { grafanaScope } from "../../promql/scope.js";
import { kvCacheUsage, requestsRunning, requestsWaiting, type QueryOptions } from "../../promql/vllm.js";
import { DASHBOARD_UIDS, linkTo, standardAnnotations, userOverviewRowUrl } from "./navigation.js";
import { alertLine, buildDashboard, type DashboardModel, type DashboardSpec, refId, type RowSpec, type TargetSpec } from "./panels.js";
import { engineInternalsRow, optionalEngineRows } from "./rows/engine-internals.js";
import { workloadRows } from "./rows/workload.js";
import type { DashboardOptions } from "./user-overview.js";
import { vllmVariables } from "./variables.js";

export const INSTANCES_UID = DASHBOARD_UIDS.instances;

/** One table row per server and engine. */
const BY_ROW = ["job", "instance", "model_name", "engine"] as const;
const BY_INSTANCE = ["job", "instance"] as const;

function instanceTable(query: QueryOptions, thresholds: Thresholds): RowSpec {
  const columns = [
    { title: "Running", unit: "short", decimals: 0, expr: requestsRunning(query, BY_ROW) },
    { title: "Waiting", unit: "short", decimals: 0, expr: requestsWaiting(query, BY_ROW) },
    { title: "KV cache", unit: "percentunit", decimals: 1, expr: kvCacheUsage(query, BY_ROW, "max") },
    { title: "TTFT p95", unit: "s", decimals: 3, expr: instances.latencyP95("ttft", query, BY_ROW) },
    { title: "E2E p95", unit: "s", decimals: 2, expr: instances.latencyP95("e2e", query, BY_ROW) },
    { title: "Tokens/s", unit: "short", decimals: 0, expr: instances.tokensPerSecond(query, BY_ROW) },
    { title: "Preemptions/s", unit: "short", decimals: 2, expr: instances.preemptionsPerSecond(query, BY_ROW) },
    { title: "Errors/s", unit: "short", decimals: 3, expr: instances.errorsPerSecond(query, BY_ROW) },
    // why: a duration such as "3 days, 4 hours" reads better than seconds.
    { title: "Uptime", unit: "dtdurations", decimals: 0, expr: instances.uptimeSeconds(query.scope, BY_ROW) },
  ];
  const targets: TargetSpec[] = columns.map((column) => ({ expr: column.expr, legend: "", format: "table", instant: true }));
  return {
    title: "Instances",
    panels: [
      {
        key: "instances/table",
        kind: "table",
        title: "Every server and engine",
        description:
          "One row per vLLM server and data-parallel engine, now: requests running and waiting, KV-cache usage, TTFT and E2E p95 and token, preemption and error rates " +
          `over the last rate interval (5 minutes through the recording rules), and uptime (${processCollector.startTimeSeconds.name}, or since its counters last ` +
          `went back to zero when the server runs several API processes). Sort by a column to find the sick one; click an instance to open the User overview for it. ` +
          `KV cache above ${thresholds.kvCacheUsage.ratio * 100}% and TTFT above the ${thresholds.ttft.seconds}s objective are the alert thresholds.`,
        unit: "short",
        width: 24,
        height: 10,
        targets,
        table: {
          labels: ["job", "instance", "model_name", "engine"],
          columns: columns.map((column, index) => ({
            refId: refId(index),
            title: column.title,
            unit: column.unit,
            decimals: column.decimals,
          })),
          rowLinks: [{ column: "instance", title: "User overview of ${__data.fields.instance}", url: userOverviewRowUrl() }],
        },
      },
    ],
  };
}

function sickInstanceRow(query: QueryOptions, thresholds: Thresholds): RowSpec {
  const toUser = linkTo("User overview", DASHBOARD_UIDS.user, ["job", "instance", "model_name", "engine"]);
  return {
    title: "Which instance is sick",
    panels: [
      {
        key: "instances/ttft-by-instance",
        kind: "timeseries",
        title: "TTFT p95 by instance",
        description: `p95 time to first token of each server (all its engines), from ${vllm.timeToFirstToken.name}; the dashed line is the ${thresholds.ttft.seconds}s objective.`,
        unit: "s",
        legend: "table",
        thresholdLine: true,
        thresholds: alertLine(thresholds.ttft.seconds),
        links: [toUser],
        targets: [{ expr: instances.latencyP95("ttft", query, [...BY_INSTANCE, "model_name"]), legend: "{{instance}} {{model_name}}" }],
      },
      {
        key: "instances/errors-by-instance",
        kind: "timeseries",
        title: "Errors per second by instance",
        description: `Requests per second each server failed (finished_reason error in ${vllm.requestSuccess.name}); one server far above the rest is the sick one.`,
        unit: "reqps",
        legend: "table",
        links: [toUser],
        targets: [{ expr: instances.errorsPerSecond(query, [...BY_INSTANCE, "model_name"]), legend: "{{instance}} {{model_name}}" }],
      },
      {
        key: "instances/tokens-by-instance",
        kind: "timeseries",
        title: "Tokens per second by instance",
        description: `Prompt plus generated tokens per second of each server (${vllm.promptTokens.name} + ${vllm.generationTokens.name}); a server near 0 among busy ones gets no traffic or is stuck.`,
        unit: "short",
        legend: "table",
        links: [toUser],
        targets: [{ expr: instances.tokensPerSecond(query, [...BY_INSTANCE, "model_name"]), legend: "{{instance}} {{model_name}}" }],
      },
    ],
  };
}

function loadBalanceRow(query: QueryOptions, thresholds: Thresholds): RowSpec {
  const spread = (build: (aggregate: "max" | "avg" | "min") => string): TargetSpec[] =>
    (["max", "avg", "min"] as const).map((aggregate) => ({
      expr: build(aggregate),
      legend: `${aggregate === "avg" ? "mean" : aggregate} {{model_name}}`,
    }));
  return {
    title: "Load balance",
    panels: [
      {
        key: "instances/running-spread",
        kind: "timeseries",
        title: "Running requests across instances",
        description:
          `Running requests of the busiest, the average and the idlest server per model (${vllm.numRequestsRunning.name} summed over each server's engines). ` +
          "A wide gap between max and min means the load balancer spreads unevenly (sticky sessions, prefix-aware routing, a slow server).",
        unit: "short",
        width: 12,
        legend: "table",
        targets: spread((aggregate) => instances.runningSpread(query, aggregate)),
      },
      {
        key: "instances/kv-spread",
        kind: "timeseries",
        title: "KV cache usage across instances",
        description:
          `KV-cache usage of the fullest, the average and the emptiest server per model (each server's fullest engine, ${vllm.kvCacheUsagePerc.name}); ` +
          `the dashed line is the VllmKvCacheNearFull threshold (${thresholds.kvCacheUsage.ratio * 100}%).`,
        unit: "percentunit",
        width: 12,
        min: 0,
        max: 1,
        legend: "table",
        thresholdLine: true,
        thresholds: alertLine(thresholds.kvCacheUsage.ratio),
        targets: spread((aggregate) => instances.kvUsageSpread(query, aggregate)),
      },
    ],
  };
}

/** Which vLLM server or engine is sick, how evenly the load is spread, and the engines' internals. */
export function instancesSpec(options: DashboardOptions): DashboardSpec {
  const query: QueryOptions = { scope: grafanaScope(), source: options.source };
  return {
    uid: INSTANCES_UID,
    title: "vLLM / Instances",
    description:
      "Every vLLM server and engine side by side: a table to find the sick one, per-instance latency, errors and tokens, load balance, restarts, and the engines' " +
      "internals (collapsed rows; optional ones name the flag or version they need). " +
      (options.source === "recorded" ? "Latency and rate panels read the instance-level recording rules of rules/vllm-recording.yml." : ""),
    tags: ["vllm", "llm"],
    variables: vllmVariables(),
    annotations: standardAnnotations(query.scope),
    rows: [
      instanceTable(query, options.thresholds),
      sickInstanceRow(query, options.thresholds),
      loadBalanceRow(query, options.thresholds),
      engineInternalsRow(query.scope),
      ...optionalEngineRows(query.scope),
      ...workloadRows(query.scope, options.thresholds),
    ],
  };
}

export function instancesDashboard(options: DashboardOptions): DashboardModel {
  return buildDashboard(instancesSpec(options));
}
