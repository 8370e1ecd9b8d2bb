import { countSeries, sumSeries, vllmNixl, vllmOffload, type MetricFamily } from "../catalog/index.js";
import { selectorFor } from "./engine.js";
import { rate, sumBy } from "./functions.js";
import type { Scope } from "./scope.js";
import { series } from "./selector.js";

/**
 * The KV cache dashboard's connector and offload queries: transfer throughput, time per transfer
 * and failures of the NIXL connector (`--kv-transfer-config` NixlConnector) and of CPU
 * offloading (`--kv-offloading-size`). Raw series; no recording rule covers them.
 */

function rateOf(family: MetricFamily, scope: Scope, name = family.name): string {
  return rate(series(name, selectorFor(family, scope)), scope.window);
}

/** Bytes per second the NIXL connector moved (the sum of its bytes-per-transfer histogram). */
export function nixlBytesPerSecond(scope: Scope, by: readonly string[]): string {
  return sumBy(by, rateOf(vllmNixl.bytesTransferred, scope, sumSeries(vllmNixl.bytesTransferred)));
}

/** NIXL transfers per second. */
export function nixlTransfersPerSecond(scope: Scope, by: readonly string[]): string {
  return sumBy(by, rateOf(vllmNixl.xferTime, scope, countSeries(vllmNixl.xferTime)));
}

/** Failed NIXL transfers, failed notifications and expired KV, per second. */
export function nixlFailures(family: MetricFamily, scope: Scope, by: readonly string[]): string {
  return sumBy(by, rateOf(family, scope));
}

/** Offload bytes per second in one direction: `load` (offload storage → GPU) or `store` (GPU → storage). */
export function offloadBytesPerSecond(direction: "load" | "store", scope: Scope, by: readonly string[]): string {
  return sumBy(by, rateOf(direction === "load" ? vllmOffload.loadBytes : vllmOffload.storeBytes, scope));
}

/** Mean seconds per offload transfer in one direction (time counter / size-histogram count). */
export function offloadSecondsPerTransfer(direction: "load" | "store", scope: Scope, by: readonly string[]): string {
  const time = direction === "load" ? vllmOffload.loadTime : vllmOffload.storeTime;
  const size = direction === "load" ? vllmOffload.loadSize : vllmOffload.storeSize;
  return `${sumBy(by, rateOf(time, scope))} / ${sumBy(by, rateOf(size, scope, countSeries(size)))}`;
}

/** Store allocations that failed, per second (the offload space is full). */
export function offloadAllocationFailures(scope: Scope, by: readonly string[]): string {
  return sumBy(by, rateOf(vllmOffload.allocationFailures, scope));
}
