import type { Thresholds } from "../config.js";
import * as fleet from "../../promql/fleet-aggregates.js";
import type { FleetQuery } from "../../promql/fleet-aggregates.js";
import { DASHBOARD_UIDS, alertsAnnotation, linkTo } from "./navigation.js";
import { alertLine, type DashboardSpec, refId, type RowSpec, type TargetSpec, type ThresholdStep } from "./panels.js";
import type { DashboardOptions } from "./user-overview.js";
import { fleetVariables } from "./variables.js";

export const FLEET_OVERVIEW_UID = DASHBOARD_UIDS.fleet;

const TO_INSTANCES = linkTo("Instances of this job and model", DASHBOARD_UIDS.instances, ["job", "model_name"]);
const TO_MACHINES = linkTo("Machine overview", DASHBOARD_UIDS.machine, ["job"]);
const PER_JOB_MODEL = "{{model_name}} ({{job}})";

function quantiles(signal: "ttft" | "e2e" | "interTokenLatency", query: FleetQuery): TargetSpec[] {
  return [0.5, 0.95, 0.99].map((quantile) => ({
    expr: fleet.fleetQuantile(signal, quantile, query),
    legend: `p${Math.round(quantile * 100)} ${PER_JOB_MODEL}`,
  }));
}

function serviceRow(query: FleetQuery, thresholds: Thresholds): RowSpec {
  const objective = (value: number): ThresholdStep[] => [
    { value: null, color: "red" },
    { value, color: "green" },
  ];
  return {
    title: "Service level",
    panels: [
      {
        key: "fleet/slo-ttft",
        kind: "stat",
        title: `Requests with TTFT ≤ ${thresholds.ttft.seconds}s`,
        description: `Share of requests whose first token came within the ${thresholds.ttft.seconds}s objective, per job and model (objective: ${thresholds.ttftBudget.objective * 100}%, SLO_TTFT_TARGET).`,
        unit: "percentunit",
        width: 6,
        min: 0,
        max: 1,
        thresholds: objective(thresholds.ttftBudget.objective),
        links: [TO_INSTANCES],
        targets: [{ expr: fleet.fleetSloRatio("ttft", thresholds.ttft.seconds, query), legend: PER_JOB_MODEL }],
      },
      {
        key: "fleet/slo-e2e",
        kind: "stat",
        title: `Requests with E2E ≤ ${thresholds.e2e.seconds}s`,
        description: `Share of requests finished within the ${thresholds.e2e.seconds}s objective, per job and model (objective: ${thresholds.e2e.quantile * 100}%).`,
        unit: "percentunit",
        width: 6,
        min: 0,
        max: 1,
        thresholds: objective(thresholds.e2e.quantile),
        links: [TO_INSTANCES],
        targets: [{ expr: fleet.fleetSloRatio("e2e", thresholds.e2e.seconds, query), legend: PER_JOB_MODEL }],
      },
      {
        key: "fleet/request-rate",
        kind: "timeseries",
        title: "Requests per second",
        description: "Finished requests per second per model, over every server of the selected jobs, by how they finished.",
        unit: "reqps",
        width: 6,
        legend: "table",
        links: [TO_INSTANCES],
        targets: [
          { expr: fleet.fleetSum("requests", query, ["model_name", "finished_reason"]), legend: "{{model_name}} {{finished_reason}}" },
        ],
      },
      {
        key: "fleet/error-ratio",
        kind: "timeseries",
        title: "Error ratio",
        description: `Share of finished requests the server failed (finished_reason error) per model; the dashed line is VllmRequestErrorsHigh (${thresholds.errorRatio.ratio * 100}%).`,
        unit: "percentunit",
        width: 6,
        min: 0,
        thresholdLine: true,
        thresholds: alertLine(thresholds.errorRatio.ratio),
        links: [TO_INSTANCES],
        targets: [{ expr: fleet.fleetErrorRatio(query), legend: "{{model_name}}" }],
      },
    ],
  };
}

function latencyRow(query: FleetQuery, thresholds: Thresholds): RowSpec {
  const panel = (key: string, title: string, signal: "ttft" | "e2e" | "interTokenLatency", objective: number, env: string) => ({
    key,
    kind: "timeseries" as const,
    title,
    description: `p50, p95 and p99 per job and model (quantiles of different jobs cannot be merged); the dashed line is the ${objective}s objective (${env}).`,
    unit: "s",
    legend: "table" as const,
    thresholdLine: true,
    thresholds: alertLine(objective),
    links: [TO_INSTANCES],
    targets: quantiles(signal, query),
  });
  return {
    title: "Latency",
    panels: [
      panel("fleet/ttft", "Time to first token", "ttft", thresholds.ttft.seconds, "SLO_TTFT_SECONDS"),
      panel("fleet/e2e", "End-to-end latency", "e2e", thresholds.e2e.seconds, "SLO_E2E_SECONDS"),
      panel("fleet/itl", "Inter-token latency", "interTokenLatency", thresholds.itl.seconds, "SLO_ITL_SECONDS"),
    ],
  };
}

function capacityRow(query: FleetQuery, thresholds: Thresholds): RowSpec {
  return {
    title: "Capacity",
    panels: [
      {
        key: "fleet/kv-pressure",
        kind: "timeseries",
        title: "KV cache pressure",
        description: `KV-cache usage of the fullest engine and the mean over all engines, per job and model; the dashed line is VllmKvCacheNearFull (${thresholds.kvCacheUsage.ratio * 100}%). A full maximum with a low mean is an imbalance, a full mean is a fleet out of capacity.`,
        unit: "percentunit",
        width: 6,
        min: 0,
        max: 1,
        legend: "table",
        thresholdLine: true,
        thresholds: alertLine(thresholds.kvCacheUsage.ratio),
        links: [TO_INSTANCES],
        targets: [
          { expr: fleet.fleetKvUsage("max", query), legend: `fullest ${PER_JOB_MODEL}` },
          { expr: fleet.fleetKvUsage("avg", query), legend: `mean ${PER_JOB_MODEL}` },
        ],
      },
      {
        key: "fleet/queue",
        kind: "timeseries",
        title: "Queue",
        description: "Requests waiting and running per model, summed over every server of the selected jobs.",
        unit: "short",
        width: 6,
        legend: "table",
        links: [TO_INSTANCES],
        targets: [
          { expr: fleet.fleetSum("waiting", query), legend: "waiting {{model_name}}" },
          { expr: fleet.fleetSum("running", query), legend: "running {{model_name}}" },
        ],
      },
      {
        key: "fleet/tokens",
        kind: "timeseries",
        title: "Tokens per second",
        description: "Prompt and generated tokens per second per model over the fleet.",
        unit: "suffix: tok/s",
        width: 6,
        legend: "table",
        links: [TO_INSTANCES],
        targets: [
          { expr: fleet.fleetSum("promptTokens", query), legend: "prompt {{model_name}}" },
          { expr: fleet.fleetSum("generationTokens", query), legend: "generation {{model_name}}" },
        ],
      },
      {
        key: "fleet/preemptions",
        kind: "timeseries",
        title: "Preemptions per second",
        description: "Requests preempted per second per model over the fleet: the KV cache ran out somewhere.",
        unit: "ops",
        width: 6,
        links: [TO_INSTANCES],
        targets: [{ expr: fleet.fleetSum("preemptions", query), legend: "{{model_name}}" }],
      },
    ],
  };
}

function gpuRow(query: FleetQuery, thresholds: Thresholds): RowSpec {
  const hostColumns = [
    { key: "gpus", title: "GPUs", unit: "short" },
    { key: "gpuUtilisation", title: "GPU busy (mean)", unit: "percent" },
    { key: "gpuPower", title: "GPU power", unit: "watt" },
    { key: "gpuTemperature", title: "Hottest GPU", unit: "celsius" },
    { key: "gpuMemoryUsed", title: "Fullest GPU memory", unit: "percentunit" },
    { key: "gpuXid", title: "Last Xid (DCGM)", unit: "none" },
    { key: "hostCpuBusy", title: "CPU busy", unit: "percent" },
    { key: "hostMemoryUsed", title: "RAM used", unit: "percentunit" },
  ] as const;
  return {
    title: "GPUs and hosts",
    panels: [
      {
        key: "fleet/gpu-utilisation",
        kind: "timeseries",
        title: "GPU utilisation",
        description: "Mean busy percentage over every GPU of each GPU-exporter job, and the mean of its busiest host.",
        unit: "percent",
        width: 8,
        min: 0,
        max: 100,
        legend: "table",
        links: [TO_MACHINES],
        targets: [
          { expr: fleet.fleetGpu("jobGpuUtilisation", query), legend: "all GPUs {{job}}" },
          { expr: fleet.fleetGpu("jobGpuUtilisationMax", query), legend: "busiest host {{job}}" },
        ],
      },
      {
        key: "fleet/gpu-power",
        kind: "timeseries",
        title: "GPU power",
        description: "Power drawn by all GPUs of each GPU-exporter job.",
        unit: "watt",
        width: 8,
        links: [TO_MACHINES],
        targets: [{ expr: fleet.fleetGpu("jobGpuPower", query), legend: "{{job}}" }],
      },
      {
        key: "fleet/gpu-temperature",
        kind: "timeseries",
        title: "Hottest GPU",
        description: `Temperature of the hottest GPU of each GPU-exporter job; the dashed line is GpuTemperatureHigh (${thresholds.gpuTemperature.celsius} °C).`,
        unit: "celsius",
        width: 8,
        thresholdLine: true,
        thresholds: alertLine(thresholds.gpuTemperature.celsius),
        links: [TO_MACHINES],
        targets: [{ expr: fleet.fleetGpu("jobGpuTemperature", query), legend: "{{job}}" }],
      },
      {
        key: "fleet/hosts",
        kind: "table",
        title: "Hosts",
        description:
          "One row per host name now, GPU exporters and node_exporter joined by host: GPUs, their mean utilisation, power, the hottest GPU, the fullest GPU memory, " +
          "the last Xid dcgm-exporter saw (0: none), CPU and RAM. Sort a column to find the host to look at in the Machine overview.",
        unit: "short",
        width: 24,
        height: 9,
        links: [TO_MACHINES],
        targets: hostColumns.map((column) => ({
          expr: fleet.fleetHost(column.key, query),
          legend: "",
          format: "table" as const,
          instant: true,
        })),
        table: {
          labels: ["hostname"],
          columns: hostColumns.map((column, index) => ({
            refId: refId(index),
            title: column.title,
            unit: column.unit,
            decimals: column.unit === "none" || column.unit === "short" ? 0 : 1,
          })),
        },
      },
    ],
  };
}

/**
 * The whole fleet per job and model, from aggregates only: its refresh costs the same at 10 or
 * 1,000 instances. Every panel links down to the Instances dashboard (or the Machine overview).
 */
export function fleetOverviewSpec(options: DashboardOptions): DashboardSpec {
  const query: FleetQuery = { source: options.source };
  return {
    uid: FLEET_OVERVIEW_UID,
    title: "vLLM / Fleet overview",
    description:
      "Service level, latency, capacity and GPUs of the whole fleet, per job and model. " +
      (options.source === "recorded"
        ? "Reads only the aggregate recording rules of rules/vllm-recording.yml (per job and model, per GPU host, per job), so its cost does not grow with the number of instances."
        : "This portable variant computes the same aggregates from raw series; with rules/vllm-recording.yml loaded, use the variant in dashboards/with-recording-rules, whose cost does not grow with the fleet."),
    tags: ["vllm", "llm"],
    variables: fleetVariables(options.source),
    annotations: [alertsAnnotation()],
    rows: [
      serviceRow(query, options.thresholds),
      latencyRow(query, options.thresholds),
      capacityRow(query, options.thresholds),
      gpuRow(query, options.thresholds),
    ],
  };
}
