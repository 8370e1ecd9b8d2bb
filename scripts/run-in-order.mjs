// Runs the test files it is given in that order, two at a time, TAP on stdout: node's own runner
// (`run()`, what `node --test` calls) without the CLI, which sorts the files by name.
// TEST_DURATIONS_RECORD=1 writes each file's seconds to test/durations.json.
import { run } from "node:test";
import { tap } from "node:test/reporters";
import { recordDurations } from "./test-files.mjs";

const files = process.argv.slice(2);
const given = new Set(files);
const measured = {};
const stream = run({
  files,
  concurrency: Number(process.env.TEST_CONCURRENCY ?? 2),
  // A file that runs longer than this fails as timed out (its process is killed) instead of holding the run.
  timeout: Number(process.env.TEST_FILE_TIMEOUT_MS ?? 15 * 60_000),
});
stream.on("test:fail", (data) => {
  if (!data.todo) process.exitCode = 1;
});
// why: the file itself completes as a test named by its path, its time from start to exit.
stream.on("test:complete", (data) => {
  if (data.nesting === 0 && given.has(data.name)) measured[data.name] = data.details.duration_ms / 1000;
});
stream.on("end", () => {
  // On stderr, so a CI log shows what to put in test/durations.json; the closing line stays last on stdout.
  const slowest = Object.entries(measured)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 15)
    .map(([file, seconds]) => `${seconds.toFixed(1)} s ${file}`);
  if (slowest.length > 0) console.error(`run-tests: the slowest files:\n  ${slowest.join("\n  ")}`);
  const rounded = Object.fromEntries(Object.entries(measured).map(([file, seconds]) => [file, Math.round(seconds * 10) / 10]));
  console.error(`run-tests: seconds per file, for test/durations.json: ${JSON.stringify(rounded)}`);
  if (process.env.TEST_DURATIONS_RECORD === "1") recordDurations(measured);
});
stream.compose(tap).pipe(process.stdout);
