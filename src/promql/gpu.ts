import { dcgm, nvidiaSmi, scrape, type MetricFamily } from "../catalog/index.js";
import { copyLabel, firstOf } from "./functions.js";
import type { Scope } from "./scope.js";
import { matcher, series } from "./selector.js";

/**
 * GPU queries that work with dcgm-exporter and nvidia_gpu_exporter alike, and whoever set up the
 * scrape. Our configs give every target a `hostname` label (the same one the host's vLLM and
 * node_exporter carry), which also replaces dcgm-exporter's own host label (Prometheus keeps that
 * one as `exported_hostname`): the GPUs of a host then line up with its other panels. Elsewhere
 * the host comes from dcgm-exporter's `hostname`, its older `Hostname`, or (nvidia-smi, which
 * writes none) the host of `instance`. Every result carries a `hostname` label for legends.
 */

const MIB = 1_048_576;

/** Applied to each series selector before the host label is copied, e.g. a `rate(…[w])` of a counter. */
export type SelectorFunction = (selector: string) => string;

const asIs: SelectorFunction = (selector) => selector;

/**
 * A GPU exporter gauge (or, through `around`, a function of a counter) filtered by host, with
 * `hostname` set from the first label that has it.
 */
export function gpuGauge(family: MetricFamily, scope: Scope, around: SelectorFunction = asIs): string {
  // why: `=~".*"` (All) also matches a missing label; the other branches own the series without one.
  const named = around(series(family.name, [...scope.gpu, matcher("hostname", "!=", ""), matcher("hostname", "=~", scope.hostname)]));
  // why: dcgm-exporter before PR #655 wrote `Hostname`; those series have no `hostname`.
  const capitalised = around(
    series(family.name, [
      ...scope.gpu,
      matcher("hostname", "=", ""),
      matcher("Hostname", "!=", ""),
      matcher("Hostname", "=~", scope.hostname),
    ]),
  );
  // why: nvidia_gpu_exporter (and dcgm-exporter --no-hostname) write no host label: the target's host is the GPU's.
  const unnamed = around(
    series(family.name, [
      ...scope.gpu,
      matcher("hostname", "=", ""),
      matcher("Hostname", "=", ""),
      matcher("instance", "=~", `${scope.hostname}(:[0-9]+)?`),
    ]),
  );
  return `(${named} or ${copyLabel(capitalised, "hostname", "Hostname")} or ${copyLabel(unnamed, "hostname", "instance", "([^:]+).*")})`;
}

/** Busy percentage (0–100): DCGM_FI_DEV_GPU_UTIL, or nvidia-smi's ratio × 100. */
export function gpuUtilisationPercent(scope: Scope): string {
  return firstOf(gpuGauge(dcgm.gpuUtil, scope), `${gpuGauge(nvidiaSmi.utilizationGpuRatio, scope)} * 100`);
}

/** Graphics engine active (0–100), DCGM profiling only (datacenter GPUs); finer than GPU_UTIL. */
export function gpuEngineActivePercent(scope: Scope): string {
  return `${gpuGauge(dcgm.grEngineActive, scope)} * 100`;
}

export function gpuMemoryUsedBytes(scope: Scope): string {
  return firstOf(`${gpuGauge(dcgm.fbUsed, scope)} * ${MIB}`, gpuGauge(nvidiaSmi.memoryUsedBytes, scope));
}

/** Used / (used + free), 0–1. DCGM reports no total, hence FB_USED + FB_FREE. */
export function gpuMemoryUsedRatio(scope: Scope): string {
  const used = gpuGauge(dcgm.fbUsed, scope);
  const free = gpuGauge(dcgm.fbFree, scope);
  return firstOf(
    `${used} / (${used} + ${free})`,
    `${gpuGauge(nvidiaSmi.memoryUsedBytes, scope)} / ${gpuGauge(nvidiaSmi.memoryTotalBytes, scope)}`,
  );
}

export function gpuPowerWatts(scope: Scope): string {
  return firstOf(gpuGauge(dcgm.powerUsage, scope), gpuGauge(nvidiaSmi.powerDrawWatts, scope));
}

export function gpuTemperatureCelsius(scope: Scope): string {
  return firstOf(gpuGauge(dcgm.gpuTemp, scope), gpuGauge(nvidiaSmi.temperatureGpu, scope));
}

export function gpuSmClockHertz(scope: Scope): string {
  return firstOf(`${gpuGauge(dcgm.smClock, scope)} * 1000000`, gpuGauge(nvidiaSmi.clocksCurrentSmHz, scope));
}

/**
 * Every host, for the `hostname` variable (`query_result`): the `hostname` of every scrape target
 * (our configs label them all), plus GPU hosts named only by their exporters elsewhere.
 */
export function hostsQuery(scope: Scope): string {
  const targets = `count by (hostname) (${series(scrape.up.name, [...scope.target, matcher("hostname", "!=", "")])})`;
  const gpus = `count by (hostname) (${gpuGauge(dcgm.gpuTemp, scope)} or ${gpuGauge(nvidiaSmi.temperatureGpu, scope)})`;
  return `${targets} or ${gpus}`;
}
