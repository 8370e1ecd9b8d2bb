import { dcgm, nvidiaSmi } from "../catalog/index.js";
import { compare, firstOf, increase, rate, sumBy } from "./functions.js";
import { gpuGauge } from "./gpu.js";
import type { Scope } from "./scope.js";

/**
 * GPU health queries (the Machine overview's GPU health row and the GPU alerts), built on gpu.ts so
 * every result carries `hostname`. Where nvidia_gpu_exporter has the same signal it is the fallback.
 */

const MIB = 1_048_576;
// why: DCGM's violation counters count nanoseconds (NVML violationTime), whatever older exporter CSVs said.
const NANOSECOND = 1e-9;

/** The labels a per-GPU result keeps: host, the exporter's GPU index or uuid, and the scrape target. */
export const GPU_IDENTITY = ["job", "instance", "hostname", "gpu", "UUID", "uuid"] as const;

const rangeOf = (window: string) => (fn: "rate" | "increase" | "changes") => (selector: string) =>
  fn === "rate" ? rate(selector, window) : fn === "increase" ? increase(selector, window) : `changes(${selector}[${window}])`;

/** The code of the last Xid error per GPU (0: none since the exporter started); dcgm-exporter only. */
export function xidLastCode(scope: Scope): string {
  return gpuGauge(dcgm.xidErrors, scope);
}

/** Xid errors per GPU and code since the exporter started, from nvidia_gpu_exporter's nvml backend (no series until the first Xid). */
export function xidCounts(scope: Scope): string {
  return sumBy([...GPU_IDENTITY, "xid"], gpuGauge(nvidiaSmi.xidErrors, scope));
}

/**
 * The Xid panel's one query: dcgm-exporter's last code and nvidia_gpu_exporter's counts, told apart
 * by a `reading` label for the legend, since a code and a count are different things.
 * why: one query, so the panel has data with either exporter (a second, count-only query stays
 * empty on every dcgm-exporter host).
 */
export function xidReadings(scope: Scope): string {
  const reading = (expr: string, text: string) => `label_replace(${expr}, "reading", "${text}", "", "")`;
  return `(${reading(xidLastCode(scope), "last Xid code")} or ${reading(xidCounts(scope), "errors so far of Xid")})`;
}

/** Xid codes NVIDIA's exporter tiers as critical: the GPU needs a reset, a drain or service. */
export const XID_CRITICAL_CODES = [48, 62, 64, 74, 79, 95, 119, 120] as const;
/** Xid codes tiered as a warning (94: contained ECC error, the application was stopped, the GPU goes on). */
export const XID_WARNING_CODES = [94] as const;

/** A constant series per code with label `xid`, to keep (`and on (xid)`) or drop (`unless on (xid)`) Xid results by code. */
function xidCodeSet(codes: readonly number[]): string {
  return `(${codes.map((code) => `label_replace(vector(1), "xid", "${code}", "", "")`).join(" or ")})`;
}

/** New Xid errors (see xidNew) whose code is in `codes`. */
export function xidNewOfCodes(scope: Scope, window: string, codes: readonly number[]): string {
  return `(${xidNew(scope, window)}) and on (xid) ${xidCodeSet(codes)}`;
}

/**
 * GPUs that reported an Xid within `window`, one series per GPU and code (label `xid`): value 1
 * for dcgm-exporter, the number of new errors for nvidia_gpu_exporter.
 * why: dcgm-exporter only keeps the last code, so a new Xid is that gauge changing to a non-zero
 * code; versions that also write the code as an `err_code` label start a new series with each
 * code, so a series that did not exist `window` ago counts as a change too. nvidia_gpu_exporter's
 * counter child appears with its first Xid at 1, which `increase` misses, so the same holds there.
 */
export function xidNew(scope: Scope, window: string): string {
  const appeared = (selector: string) => `(${selector} unless ${selector} offset ${window})`;
  const changed = `(${compare(gpuGauge(dcgm.xidErrors, scope, rangeOf(window)("changes")), ">", 0)} or ${gpuGauge(dcgm.xidErrors, scope, appeared)})`;
  const dcgmNew = `count_values by (${GPU_IDENTITY.join(", ")}) ("xid", ${compare(xidLastCode(scope), ">", 0)} and ${changed})`;
  const counted = (selector: string) => `(${compare(increase(selector, window), ">", 0)} or ${appeared(selector)})`;
  const nvidiaNew = sumBy([...GPU_IDENTITY, "xid"], gpuGauge(nvidiaSmi.xidErrors, scope, counted));
  return firstOf(dcgmNew, nvidiaNew);
}

/** 1 where the GPU failed to remap a row after an uncorrectable memory error. */
export function rowRemapFailure(scope: Scope): string {
  return gpuGauge(dcgm.rowRemapFailure, scope);
}

/** Rows remapped so far after uncorrectable errors (a spare-row budget running out). */
export function uncorrectableRemappedRows(scope: Scope): string {
  return gpuGauge(dcgm.uncorrectableRemappedRows, scope);
}

/** PCIe link retries per second. */
export function pcieReplayRate(scope: Scope): string {
  return gpuGauge(dcgm.pcieReplayCounter, scope, rangeOf(scope.window)("rate"));
}

/** The power limit in watts, where the exporter states it (not in dcgm-exporter's default counters). */
export function powerLimitWatts(scope: Scope): string {
  return firstOf(gpuGauge(dcgm.powerManagementLimit, scope), gpuGauge(nvidiaSmi.powerLimitWatts, scope));
}

/**
 * Memory temperature in °C, where the GPU measures it.
 * why: dcgm-exporter writes 0 where it does not (real L40S, L4, T4 and RTX 4000 Ada pages), which would read as 0 °C.
 */
export function memoryTemperatureCelsius(scope: Scope): string {
  return firstOf(compare(gpuGauge(dcgm.memoryTemp, scope), ">", 0), gpuGauge(nvidiaSmi.temperatureMemory, scope));
}

/** Share of time (0–1) the clocks were held down by the power limit or by heat (DCGM violation counters, ns). */
export function throttledShare(reason: "power" | "thermal", scope: Scope): string {
  const family = reason === "power" ? dcgm.powerViolation : dcgm.thermalViolation;
  return `${gpuGauge(family, scope, rangeOf(scope.window)("rate"))} * ${NANOSECOND}`;
}

/** Tensor-core (HMMA) pipe activity, 0–1; DCGM profiling only. */
export function tensorActive(scope: Scope): string {
  return gpuGauge(dcgm.tensorActive, scope);
}

/**
 * Device-memory activity, 0–1: DCGM profiling's DRAM_ACTIVE, else the default counters'
 * MEM_COPY_UTIL, else nvidia-smi's memory utilisation (both: share of time memory was read or written).
 */
export function dramActive(scope: Scope): string {
  return firstOf(
    gpuGauge(dcgm.dramActive, scope),
    `${gpuGauge(dcgm.memCopyUtil, scope)} / 100`,
    gpuGauge(nvidiaSmi.utilizationMemoryRatio, scope),
  );
}

/** PCIe bytes per second in one direction: DCGM's PROF_PCIE_*_BYTES, a gauge already in bytes/s (no rate). */
export function pcieBytesPerSecond(direction: "tx" | "rx", scope: Scope): string {
  return gpuGauge(direction === "tx" ? dcgm.pcieTxBytes : dcgm.pcieRxBytes, scope);
}

/** NVLink bytes per second in one direction (DCGM profiling fields). */
export function nvlinkBytesPerSecond(direction: "tx" | "rx", scope: Scope): string {
  return gpuGauge(direction === "tx" ? dcgm.nvlinkTxBytes : dcgm.nvlinkRxBytes, scope);
}

/** Framebuffer memory not in use, in bytes: what is left for anything beyond vLLM's reserved pool. */
export function gpuMemoryFreeBytes(scope: Scope): string {
  return firstOf(`${gpuGauge(dcgm.fbFree, scope)} * ${MIB}`, gpuGauge(nvidiaSmi.memoryFreeBytes, scope));
}
