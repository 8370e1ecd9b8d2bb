import { VLLM_FEATURE_FLAGS, processCollector, vllm, type MetricFamily } from "../../../catalog/index.js";
import * as mfu from "../../../promql/mfu.js";
import type { Scope } from "../../../promql/scope.js";
import * as workload from "../../../promql/workload.js";
import type { Thresholds } from "../../config.js";
import type { PanelSpec, RowSpec } from "../panels.js";

const BY_MODEL = ["model_name"] as const;
const BY_ENGINE = ["job", "instance", "engine"] as const;
const BY_TARGET = ["job", "instance"] as const;
const ENGINE_LEGEND = "{{instance}} engine {{engine}}";

function shapePanel(key: string, title: string, family: MetricFamily, unit: string, description: string, scope: Scope): PanelSpec {
  return {
    key,
    kind: "timeseries",
    title,
    description: `${description} p50, p95 and mean per model, from ${family.name} (observed per request).`,
    unit,
    width: 8,
    legend: "table",
    targets: [
      { expr: workload.histogramFamilyQuantile(0.5, family, scope, BY_MODEL), legend: "p50 {{model_name}}" },
      { expr: workload.histogramFamilyQuantile(0.95, family, scope, BY_MODEL), legend: "p95 {{model_name}}" },
      { expr: workload.histogramFamilyMean(family, scope, BY_MODEL), legend: "mean {{model_name}}" },
    ],
  };
}

/** What clients ask for: n, max_tokens, and the generation budget vLLM derived. Every V1 and V0 release since 0.6.4. */
function workloadShapeRow(scope: Scope): RowSpec {
  return {
    title: "Workload shape",
    collapsed: true,
    panels: [
      shapePanel(
        "instances/params-n",
        "Completions per request (n)",
        vllm.requestParamsN,
        "short",
        "The `n` request parameter: parallel completions asked for per request.",
        scope,
      ),
      shapePanel(
        "instances/params-max-tokens",
        "max_tokens asked for",
        vllm.requestParamsMaxTokens,
        "short",
        "The `max_tokens` clients sent (requests without it are not observed).",
        scope,
      ),
      shapePanel(
        "instances/max-generation-tokens",
        "Generation budget per request",
        vllm.requestMaxNumGenerationTokens,
        "short",
        "The most tokens each request may generate: max_tokens, or what the context leaves. Far above the output length means clients over-reserve.",
        scope,
      ),
    ],
  };
}

/** Sleep mode per engine (vLLM ≥ 0.16): awake, level 1 (weights offloaded), level 2 (weights discarded). */
function sleepRow(scope: Scope): RowSpec {
  return {
    title: "Sleep mode",
    collapsed: true,
    panels: [
      {
        key: "instances/sleep-level",
        kind: "timeseries",
        title: "Sleep level per engine",
        description:
          `0 awake, 1 sleep level 1 (weights offloaded to CPU), 2 sleep level 2 (weights discarded), from ${vllm.engineSleepState.name}. ` +
          "A sleeping engine serves nothing on purpose (POST /sleep, woken by POST /wake_up): VllmEngineNotServing leaves it alone, and the dashboards mark it with a sleep annotation.",
        unit: "short",
        width: 12,
        min: 0,
        max: 2,
        noValue: `No data: needs vLLM 0.16 or later (${vllm.engineSleepState.name})`,
        targets: [{ expr: workload.sleepLevel(scope, BY_ENGINE), legend: ENGINE_LEGEND }],
      },
    ],
  };
}

/** Model FLOPs and memory bandwidth utilisation from vLLM's own estimates (`--enable-mfu-metrics`). */
function mfuRow(scope: Scope, thresholds: Thresholds): RowSpec {
  const flag = VLLM_FEATURE_FLAGS.mfu;
  const zero =
    `No data: needs ${flag}. The counters stay at 0 without it (vLLM 2026 releases register ${vllm.estimatedFlopsPerGpu.name} always, ` +
    "so 0 while tokens flow means the flag is off)";
  const peak =
    "against the peak of the host's GPU model (dcgm-exporter modelName or nvidia_gpu_exporter name; table in catalog/gpu-peaks.ts, GPU_PEAK_TFLOPS / GPU_PEAK_MEMORY_BANDWIDTH_GBPS override it). " +
    "An engine whose host no GPU exporter names (e.g. a Kubernetes pod) is held against the largest peak in the fleet";
  const noPeak = `${zero}; or no GPU exporter reports this host's GPU model (set GPU_PEAK_TFLOPS / GPU_PEAK_MEMORY_BANDWIDTH_GBPS)`;
  return {
    title: `MFU and memory bandwidth — needs ${flag}`,
    collapsed: true,
    panels: [
      {
        key: "instances/achieved-flops",
        kind: "timeseries",
        title: "Achieved FLOP/s per GPU",
        description: `Floating point operations per second each engine's GPUs did, as vLLM estimates them (${vllm.estimatedFlopsPerGpu.name}).`,
        unit: "flops",
        width: 12,
        noValue: zero,
        targets: [{ expr: mfu.achievedFlops(scope), legend: ENGINE_LEGEND }],
      },
      {
        key: "instances/mfu",
        kind: "timeseries",
        title: "MFU",
        description: `Model FLOPs utilisation: achieved FLOP/s per GPU ${peak}, dense FP16/BF16.`,
        unit: "percentunit",
        width: 12,
        min: 0,
        noValue: noPeak,
        targets: [{ expr: mfu.modelFlopsUtilisation(scope, thresholds.gpuPeak), legend: ENGINE_LEGEND }],
      },
      {
        key: "instances/achieved-bandwidth",
        kind: "timeseries",
        title: "Memory traffic per GPU",
        description: `Bytes per second each engine's GPUs read and wrote (${vllm.estimatedReadBytesPerGpu.name} + ${vllm.estimatedWriteBytesPerGpu.name}). Decoding is bound by this, not by FLOPs.`,
        unit: "Bps",
        width: 12,
        noValue: zero,
        targets: [{ expr: mfu.achievedMemoryBytes(scope), legend: ENGINE_LEGEND }],
      },
      {
        key: "instances/bandwidth-utilisation",
        kind: "timeseries",
        title: "Memory bandwidth utilisation",
        description: `Memory traffic per GPU ${peak}.`,
        unit: "percentunit",
        width: 12,
        min: 0,
        noValue: noPeak,
        targets: [{ expr: mfu.memoryBandwidthUtilisation(scope, thresholds.gpuPeak), legend: ENGINE_LEGEND }],
      },
    ],
  };
}

/** The API server process: CPU, memory and file descriptors (prometheus_client's process collector). */
function apiProcessRow(scope: Scope): RowSpec {
  const hidden = `No data: the vLLM target serves no process_* series; with --api-server-count > 1 vLLM exports through multiprocess mode, which has none`;
  const note = "With --api-server-count > 1 these series are not exported (multiprocess mode), so the row stays empty.";
  return {
    title: "API server process",
    collapsed: true,
    panels: [
      {
        key: "instances/api-cpu",
        kind: "timeseries",
        title: "API server CPU",
        description: `CPU cores the vLLM API server process uses (${processCollector.cpuSeconds.name}); near 1 the single-threaded frontend is the bottleneck. ${note}`,
        unit: "short",
        noValue: hidden,
        targets: [{ expr: workload.apiServerCpuCores(scope, BY_TARGET), legend: "{{instance}}" }],
      },
      {
        key: "instances/api-memory",
        kind: "timeseries",
        title: "API server resident memory",
        description: `Resident memory of the API server process (${processCollector.residentMemoryBytes.name}). ${note}`,
        unit: "bytes",
        noValue: hidden,
        targets: [{ expr: workload.apiServerResidentBytes(scope, BY_TARGET), legend: "{{instance}}" }],
      },
      {
        key: "instances/api-fds",
        kind: "timeseries",
        title: "API server open file descriptors",
        description: `Open file descriptors against the process limit (${processCollector.openFds.name} / ${processCollector.maxFds.name}): every client connection holds one. ${note}`,
        unit: "percentunit",
        min: 0,
        noValue: hidden,
        targets: [{ expr: workload.apiServerOpenFdsRatio(scope, BY_TARGET), legend: "{{instance}}" }],
      },
    ],
  };
}

/** Rows for the families of the newest vLLM: workload shape, sleep mode, MFU and the API server process. */
export function workloadRows(scope: Scope, thresholds: Thresholds): RowSpec[] {
  return [workloadShapeRow(scope), sleepRow(scope), mfuRow(scope, thresholds), apiProcessRow(scope)];
}
