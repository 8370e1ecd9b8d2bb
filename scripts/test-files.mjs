// Which test files a run takes, and in which order: the longest first, by the seconds each file
// took (test/durations.json; a run with TEST_DURATIONS_RECORD=1 writes it, and every run prints
// the line to put in it). With two files at a time, a long file that starts last runs alone at
// the end; started first, it runs beside the short ones. Without the file: by name.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const DURATIONS_FILE = "test/durations.json";

/** Every *.test.ts below dir, sorted by path. */
export function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith(".test.ts")) found.push(path);
  }
  return found;
}

/** Seconds per file, as last recorded; an empty table when the file is missing. */
export function readDurations(path = DURATIONS_FILE) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    if (error.code === "ENOENT") return {};
    throw new Error(`${path}: ${error.message} (rewrite it with TEST_DURATIONS_RECORD=1 node scripts/run-tests.mjs)`);
  }
}

/** The files, longest first; a file with no recorded time counts as the longest (it may be). */
export function longestFirst(files, durations) {
  const seconds = (file) => durations[file] ?? Number.POSITIVE_INFINITY;
  return [...files].sort((a, b) => seconds(b) - seconds(a) || a.localeCompare(b));
}

/** Writes the measured seconds over the recorded ones; files not run keep theirs. */
export function recordDurations(measured, path = DURATIONS_FILE) {
  const merged = { ...readDurations(path) };
  for (const [file, seconds] of Object.entries(measured)) merged[file] = Math.round(seconds * 10) / 10;
  const sorted = Object.fromEntries(
    Object.keys(merged)
      .sort()
      .map((file) => [file, merged[file]]),
  );
  writeFileSync(path, `${JSON.stringify(sorted, null, 2)}\n`);
}
