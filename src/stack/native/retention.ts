/**
 * The default size-based retention of native mode: without it a TSDB grows until the disk is full,
 * and a full disk stops Prometheus storing anything (it keeps scraping, and `up` stays 1).
 */
import { existsSync, readdirSync, statSync, statfsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The share of the file system the TSDB may use; the rest is headroom for the WAL, compaction and others. */
const SHARE = 0.8;
const MB = 1024 * 1024;
/** Below this Prometheus cannot hold even a couple of blocks; a smaller disk gets this and the alert. */
const FLOOR_MB = 64;

function folderBytes(folder: string): number {
  let total = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) total += folderBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/** `NNNMB`: 80 % of the free space of the data folder's file system plus what the TSDB already holds. */
export function defaultRetentionSize(dataDir: string): string {
  let existing = dataDir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const fs = statfsSync(existing);
  const free = fs.bavail * fs.bsize;
  const held = existsSync(dataDir) ? folderBytes(dataDir) : 0;
  return `${Math.max(FLOOR_MB, Math.floor(((free + held) * SHARE) / MB))}MB`;
}
