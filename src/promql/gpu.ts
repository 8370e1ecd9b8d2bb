import { dcgm, nvidiaSmi, type MetricFamily } from "../catalog/index.js";
import { copyLabel, firstOf } from "./functions.js";
import type { Scope } from "./scope.js";
import { matcher, series } from "./selector.js";

/**
 * GPU queries that work with dcgm-exporter (either `hostname` or the older `Hostname` label) and
 * with nvidia_gpu_exporter (nvidia-smi, no host label: the host is taken from `instance`).
 * Every result carries a `hostname` label for legends.
 */

const MIB = 1_048_576;

/** Applied to each series selector before the host label is copied, e.g. a `rate(…[w])` of a counter. */
export type SelectorFunction = (selector: string) => string;

const asIs: SelectorFunction = (selector) => selector;

/** A DCGM gauge (or, through `around`, a function of a DCGM counter) filtered by host, with `Hostname` copied to `hostname`. */
export function dcgmGauge(family: MetricFamily, scope: Scope, around: SelectorFunction = asIs): string {
  const lowercase = around(series(family.name, [...scope.gpu, matcher("hostname", "=~", scope.hostname)]));
  // why: dcgm-exporter before PR #655 wrote `Hostname`; those series have no `hostname`.
  const capitalised = around(series(family.name, [...scope.gpu, matcher("hostname", "=", ""), matcher("Hostname", "=~", scope.hostname)]));
  return copyLabel(`${lowercase} or ${capitalised}`, "hostname", "Hostname");
}

/** An nvidia_gpu_exporter gauge (or a function of a counter, through `around`) filtered by host (the host part of `instance`), with `hostname` set. */
export function nvidiaSmiGauge(family: MetricFamily, scope: Scope, around: SelectorFunction = asIs): string {
  const selector = [...scope.gpu, matcher("instance", "=~", `${scope.hostname}(:[0-9]+)?`)];
  return copyLabel(around(series(family.name, selector)), "hostname", "instance", "([^:]+).*");
}

/** Busy percentage (0–100): DCGM_FI_DEV_GPU_UTIL, or nvidia-smi's ratio × 100. */
export function gpuUtilisationPercent(scope: Scope): string {
  return firstOf(dcgmGauge(dcgm.gpuUtil, scope), `${nvidiaSmiGauge(nvidiaSmi.utilizationGpuRatio, scope)} * 100`);
}

/** Graphics engine active (0–100), DCGM profiling only (datacenter GPUs); finer than GPU_UTIL. */
export function gpuEngineActivePercent(scope: Scope): string {
  return `${dcgmGauge(dcgm.grEngineActive, scope)} * 100`;
}

export function gpuMemoryUsedBytes(scope: Scope): string {
  return firstOf(`${dcgmGauge(dcgm.fbUsed, scope)} * ${MIB}`, nvidiaSmiGauge(nvidiaSmi.memoryUsedBytes, scope));
}

/** Used / (used + free), 0–1. DCGM reports no total, hence FB_USED + FB_FREE. */
export function gpuMemoryUsedRatio(scope: Scope): string {
  const used = dcgmGauge(dcgm.fbUsed, scope);
  const free = dcgmGauge(dcgm.fbFree, scope);
  return firstOf(
    `${used} / (${used} + ${free})`,
    `${nvidiaSmiGauge(nvidiaSmi.memoryUsedBytes, scope)} / ${nvidiaSmiGauge(nvidiaSmi.memoryTotalBytes, scope)}`,
  );
}

export function gpuPowerWatts(scope: Scope): string {
  return firstOf(dcgmGauge(dcgm.powerUsage, scope), nvidiaSmiGauge(nvidiaSmi.powerDrawWatts, scope));
}

export function gpuTemperatureCelsius(scope: Scope): string {
  return firstOf(dcgmGauge(dcgm.gpuTemp, scope), nvidiaSmiGauge(nvidiaSmi.temperatureGpu, scope));
}

export function gpuSmClockHertz(scope: Scope): string {
  return firstOf(`${dcgmGauge(dcgm.smClock, scope)} * 1000000`, nvidiaSmiGauge(nvidiaSmi.clocksCurrentSmHz, scope));
}

/** Distinct GPU hosts, for the `hostname` variable (`query_result`). */
export function gpuHostsQuery(scope: Scope): string {
  const dcgmHosts = copyLabel(series(dcgm.gpuTemp.name, scope.gpu), "hostname", "Hostname");
  const smiHosts = copyLabel(series(nvidiaSmi.temperatureGpu.name, scope.gpu), "hostname", "instance", "([^:]+).*");
  return `count by (hostname) (${dcgmHosts} or ${smiHosts})`;
}
