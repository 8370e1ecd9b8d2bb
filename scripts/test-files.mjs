// Which test files a run takes, and in which order: the longest first, by the seconds each file
// took (test/durations.json; a run with TEST_DURATIONS_RECORD=1 writes it, and every run prints
// the line to put in it). A long file that starts last runs alone at the end; started first, it
// runs beside the short ones. Without the file: by name. The table also keeps the CPU seconds each
// file used, which tell the runner how many files fit beside each other on the machine's cores.
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

/** `{ seconds, cpu }` per file, as last recorded; an empty table when the file is missing. */
export function readDurations(path = DURATIONS_FILE) {
  let table;
  try {
    table = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    if (error.code === "ENOENT") return {};
    throw new Error(`${path}: ${error.message} (rewrite it with TEST_DURATIONS_RECORD=1 node scripts/run-tests.mjs)`);
  }
  const bad = Object.entries(table).find(([, entry]) => typeof entry?.seconds !== "number");
  if (bad !== undefined)
    throw new Error(
      `${path}: "${bad[0]}" has no "seconds" (each file maps to { "seconds": N, "cpu": N }, and "cores": N where stated); rewrite it with TEST_DURATIONS_RECORD=1 node scripts/run-tests.mjs`,
    );
  return table;
}

/** The files, longest first; a file with no recorded time counts as the longest (it may be). */
export function longestFirst(files, durations) {
  const seconds = (file) => durations[file]?.seconds ?? Number.POSITIVE_INFINITY;
  return [...files].sort((a, b) => seconds(b) - seconds(a) || a.localeCompare(b));
}

/**
 * How much of a core the file keeps busy on average (its CPU seconds over its wall seconds, from
 * 0.1 to 1); 1 for a file with no record, so a new file never crowds the others. A file whose work
 * runs outside its own process tree (in Docker's containers, in Chromium's renderers), where its
 * CPU is not counted, states its share instead: `"cores": N` in its entry, which a recording keeps.
 */
export function coreShare(entry) {
  if (entry?.cores !== undefined) return entry.cores;
  if (entry?.cpu === undefined || !(entry.seconds > 0)) return 1;
  return Math.min(1, Math.max(0.1, entry.cpu / entry.seconds));
}

/** Writes the measured `{ seconds, cpu }` over the recorded ones, keeping a stated `cores`; files not run keep theirs. */
export function recordDurations(measured, path = DURATIONS_FILE) {
  const merged = { ...readDurations(path) };
  const round = (value) => Math.round(value * 10) / 10;
  for (const [file, { seconds, cpu }] of Object.entries(measured)) {
    const stated = merged[file]?.cores === undefined ? {} : { cores: merged[file].cores };
    merged[file] = cpu === undefined ? { seconds: round(seconds), ...stated } : { seconds: round(seconds), cpu: round(cpu), ...stated };
  }
  const sorted = Object.fromEntries(
    Object.keys(merged)
      .sort()
      .map((file) => [file, merged[file]]),
  );
  writeFileSync(path, `${JSON.stringify(sorted, null, 2)}\n`);
}
