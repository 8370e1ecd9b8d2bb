import { node, scrape } from "../catalog/index.js";
import { avgBy, rate, sumBy } from "./functions.js";
import type { Scope } from "./scope.js";
import { matcher, series } from "./selector.js";

/** Host queries from node_exporter, one series per instance (keeping the target's `hostname` label where it has one). */

const BY_HOST = ["job", "instance", "hostname"] as const;

export function cpuBusyPercent(scope: Scope): string {
  const idle = rate(series(node.cpuSeconds.name, [...scope.node, matcher("mode", "=", "idle")]), scope.window);
  return `100 * (1 - ${avgBy(BY_HOST, idle)})`;
}

export function load1(scope: Scope): string {
  return series(node.load1.name, scope.node);
}

/** Load average divided by the number of CPUs: above 1 means runnable work waits for a CPU. */
export function load1PerCpu(scope: Scope): string {
  const cpus = `count by (job, instance) (${series(node.cpuSeconds.name, [...scope.node, matcher("mode", "=", "idle")])})`;
  return `${series(node.load1.name, scope.node)} / on (job, instance) ${cpus}`;
}

export function memoryUsedBytes(scope: Scope): string {
  return `${series(node.memoryTotalBytes.name, scope.node)} - ${series(node.memoryAvailableBytes.name, scope.node)}`;
}

export function memoryUsedRatio(scope: Scope): string {
  return `1 - ${series(node.memoryAvailableBytes.name, scope.node)} / ${series(node.memoryTotalBytes.name, scope.node)}`;
}

const REAL_FILESYSTEMS = matcher("fstype", "!~", "tmpfs|ramfs|overlay|squashfs|nsfs|autofs|fuse.*");

/** Fullest real filesystem of each host (0–1). */
export function filesystemUsedRatio(scope: Scope): string {
  const selector = [...scope.node, REAL_FILESYSTEMS];
  return `max by (job, instance) (1 - ${series(node.filesystemAvailBytes.name, selector)} / ${series(node.filesystemSizeBytes.name, selector)})`;
}

export function diskReadBytesRate(scope: Scope): string {
  return sumBy(BY_HOST, rate(series(node.diskReadBytes.name, scope.node), scope.window));
}

export function diskWrittenBytesRate(scope: Scope): string {
  return sumBy(BY_HOST, rate(series(node.diskWrittenBytes.name, scope.node), scope.window));
}

const NOT_LOOPBACK = matcher("device", "!=", "lo");

export function networkReceiveBytesRate(scope: Scope): string {
  return sumBy(BY_HOST, rate(series(node.networkReceiveBytes.name, [...scope.node, NOT_LOOPBACK]), scope.window));
}

export function networkTransmitBytesRate(scope: Scope): string {
  return sumBy(BY_HOST, rate(series(node.networkTransmitBytes.name, [...scope.node, NOT_LOOPBACK]), scope.window));
}

/** 1 when the last scrape of a target succeeded. */
export function targetUp(scope: Scope): string {
  return series(scrape.up.name, scope.target);
}
