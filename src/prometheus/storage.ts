/**
 * Whether Prometheus still stores what it scrapes. With its disk full it keeps scraping and `up`
 * stays 1, but every append fails: its own counters (WAL write failures, compaction failures), the
 * newest sample in its head and the free space of its data folder say so. Never throws.
 */
import { statfsSync } from "node:fs";
import { prometheusSelf } from "../catalog/index.js";
import { parseExposition } from "../exposition/index.js";

export interface StorageHealth {
  /** False when Prometheus is not storing what it scrapes. */
  readonly storing: boolean;
  /** "not storing: …" or a warning, with the fix; empty when all is well. */
  readonly problems: readonly string[];
}

/** Newest sample older than this, with WAL failures: appends fail. Without failures, twice as long. */
const STALE_HEAD_SECONDS = 15;
/** Free space of the data folder below which a warning is given. */
const LOW_FREE_BYTES = 64 * 1024 * 1024;

const MB = 1024 * 1024;

/** Reads Prometheus's own /metrics (an agent has no query API, and a full disk stores nothing to query). */
export async function fetchStorageHealth(
  prometheusUrl: string,
  options: { dataDir?: string; timeoutMs?: number; now?: number } = {},
): Promise<StorageHealth | undefined> {
  let text: string;
  let contentType: string;
  try {
    const response = await fetch(new URL("metrics", prometheusUrl.endsWith("/") ? prometheusUrl : `${prometheusUrl}/`), {
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
    text = await response.text();
    contentType = response.headers.get("content-type") ?? "";
    if (!response.ok) return undefined;
  } catch {
    return undefined;
  }
  const values = new Map<string, number>();
  try {
    for (const family of parseExposition(text, { contentType }).families)
      for (const sample of family.samples) values.set(sample.name, sample.value);
  } catch {
    return undefined;
  }
  const free = options.dataDir === undefined ? undefined : freeBytes(options.dataDir);
  return storageHealth({
    walWritesFailed: values.get(prometheusSelf.walWritesFailed.name) ?? 0,
    compactionsFailed: values.get(prometheusSelf.compactionsFailed.name) ?? 0,
    headMaxTimeSeconds: values.get(prometheusSelf.headMaxTimeSeconds.name),
    nowSeconds: (options.now ?? Date.now()) / 1000,
    ...(free === undefined ? {} : { freeBytes: free }),
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
}

function freeBytes(dataDir: string): number | undefined {
  try {
    const fs = statfsSync(dataDir);
    return fs.bavail * fs.bsize;
  } catch {
    return undefined;
  }
}

export interface StorageReadings {
  readonly walWritesFailed: number;
  readonly compactionsFailed: number;
  /** Undefined or negative while the head is empty (nothing scraped yet). */
  readonly headMaxTimeSeconds: number | undefined;
  readonly nowSeconds: number;
  readonly freeBytes?: number;
  readonly dataDir?: string;
}

/** The verdict from the readings. Pure. */
export function storageHealth(readings: StorageReadings): StorageHealth {
  const problems: string[] = [];
  const where = readings.dataDir ?? "its data folder";
  const freeText = readings.freeBytes === undefined ? "" : ` (${where} has ${(readings.freeBytes / MB).toFixed(1)} MB free)`;
  const fix = `free space on the file system of ${where}, or set PROMETHEUS_RETENTION_SIZE lower (then vllm-monitor down and up); Prometheus resumes by itself once it can write`;
  const headAge =
    readings.headMaxTimeSeconds === undefined || readings.headMaxTimeSeconds < 0
      ? undefined
      : readings.nowSeconds - readings.headMaxTimeSeconds;
  const stale = headAge !== undefined && headAge > (readings.walWritesFailed > 0 ? STALE_HEAD_SECONDS : 2 * STALE_HEAD_SECONDS + 30);
  if (stale) {
    const why =
      readings.walWritesFailed > 0 ? `${readings.walWritesFailed} writes to its write-ahead log failed` : "its newest sample is old";
    problems.push(`not storing: ${why}, and nothing newer than ${Math.round(headAge)} s ago was stored${freeText}. How to fix: ${fix}`);
  } else if (readings.freeBytes !== undefined && readings.freeBytes < LOW_FREE_BYTES) {
    problems.push(
      `storage nearly full: ${where} has ${(readings.freeBytes / MB).toFixed(1)} MB free; Prometheus stops storing when it runs out. How to fix: ${fix}`,
    );
  }
  if (readings.compactionsFailed > 0)
    problems.push(
      `${readings.compactionsFailed} compactions of the TSDB failed (see Prometheus's log); its blocks grow until they succeed. How to fix: ${fix}`,
    );
  return { storing: !stale, problems };
}
