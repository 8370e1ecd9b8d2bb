import { GPU_PEAKS, dcgm, nvidiaSmi, vllm, type GpuPeak, type MetricFamily } from "../catalog/index.js";
import { selectorFor } from "./engine.js";
import { copyLabel, maxBy, rate, sumBy } from "./functions.js";
import { gpuGauge } from "./gpu.js";
import type { Scope } from "./scope.js";
import { matcher, series } from "./selector.js";

/**
 * Model FLOPs utilisation and memory bandwidth from vLLM's estimated counters
 * (`--enable-mfu-metrics`; without it they stay 0 and these queries return nothing). The peak of
 * each host's GPU model comes from the GPU exporter's model name and the table in
 * catalog/gpu-peaks.ts, unless the settings give one peak for every GPU.
 */

export interface GpuPeakOverride {
  /** FLOP/s; undefined: from the table. */
  readonly flopsPerSecond?: number;
  readonly memoryBytesPerSecond?: number;
}

const BY_ENGINE_HOST = ["job", "instance", "engine", "hostname"] as const;

/** A vLLM counter's per-second rate per engine, with `hostname` (from the target label, else the instance's host). */
function perEngineRate(family: MetricFamily, scope: Scope): string {
  const selector = selectorFor(family, scope);
  const named = rate(series(family.name, [...selector, matcher("hostname", "!=", "")]), scope.window);
  // why: targets labelled by our configs carry `hostname`; others get the host of `instance`, as nvidia-smi GPUs do.
  const unnamed = copyLabel(
    rate(series(family.name, [...selector, matcher("hostname", "=", "")]), scope.window),
    "hostname",
    "instance",
    "([^:]+).*",
  );
  return sumBy(BY_ENGINE_HOST, `${named} or ${unnamed}`);
}

/** Achieved FLOP/s per GPU, per engine; only while the counter moves (0 means `--enable-mfu-metrics` is off). */
export function achievedFlops(scope: Scope): string {
  return `${perEngineRate(vllm.estimatedFlopsPerGpu, scope)} > 0`;
}

/** Memory traffic per GPU (read plus write bytes/s), per engine; only while the counters move. */
export function achievedMemoryBytes(scope: Scope): string {
  return `(${perEngineRate(vllm.estimatedReadBytesPerGpu, scope)} + ${perEngineRate(vllm.estimatedWriteBytesPerGpu, scope)}) > 0`;
}

/**
 * Each host's peak (the most any of its GPUs reaches), from the model table. GPUs of every job
 * count: the peak is a fact of the hardware, not of the selected jobs.
 */
function peakByHost(scope: Scope, pick: (peak: GpuPeak) => number): string {
  const hardware: Scope = { ...scope, gpu: [], hostname: ".*" };
  const rows = GPU_PEAKS.map((peak) => {
    const dcgmGpus = gpuGauge(dcgm.gpuTemp, { ...hardware, gpu: [matcher("modelName", "=~", peak.pattern)] });
    const smiGpus = gpuGauge(nvidiaSmi.gpuInfo, { ...hardware, gpu: [matcher("name", "=~", peak.pattern)] });
    return `max by (hostname) (${dcgmGpus} or ${smiGpus}) * 0 + ${pick(peak)}`;
  });
  // why: `or` keeps the left series of a host; the table lists a variant before its family.
  return maxBy(["hostname"], rows.join(" or "));
}

function utilisation(achieved: string, scope: Scope, override: number | undefined, pick: (peak: GpuPeak) => number): string {
  if (override !== undefined) return `(${achieved}) / ${override}`;
  const peaks = peakByHost(scope, pick);
  // why: an engine whose host no GPU exporter names (a Kubernetes pod has no host label) is held against the fleet's largest peak.
  return `((${achieved}) / on (hostname) group_left () (${peaks})) or ((${achieved}) / on () group_left () max (${peaks}))`;
}

/** MFU, 0–1: achieved FLOP/s per GPU against the GPU model's dense FP16/BF16 peak. */
export function modelFlopsUtilisation(scope: Scope, override: GpuPeakOverride): string {
  return utilisation(achievedFlops(scope), scope, override.flopsPerSecond, (peak) => peak.flopsPerSecond);
}

/** Memory bandwidth utilisation, 0–1. */
export function memoryBandwidthUtilisation(scope: Scope, override: GpuPeakOverride): string {
  return utilisation(achievedMemoryBytes(scope), scope, override.memoryBytesPerSecond, (peak) => peak.memoryBytesPerSecond);
}
