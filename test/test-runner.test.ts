/**
 * The suite's own runner (scripts/run-files.mjs) on small test files of its own: how many files it
 * runs side by side, what it counts when a file crashes or hangs, and the compiled route
 * (scripts/test-loader.mjs) keeping a test file's URL, folder and source lines.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { useTemporaryDirs } from "./helpers/temporary.js";
import { runCommand, type CliRun } from "./stack/compose-fixture.js";

const temporaryDir = useTemporaryDirs();
const RUN_FILES = fileURLToPath(new URL("../scripts/run-files.mjs", import.meta.url));
const LOADER = fileURLToPath(new URL("../scripts/test-loader.mjs", import.meta.url));

function runFiles(cwd: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCommand(process.execPath, [RUN_FILES, ...args], { cwd, env: { ...process.env, ...env } });
}

/** A test file that records when it ran (in ms since the epoch) to log, after waiting ms. */
function sleeper(dir: string, name: string, ms: number): string {
  const path = join(dir, `${name}.test.mjs`);
  writeFileSync(
    path,
    `import { test } from "node:test";
import { appendFileSync } from "node:fs";
test("${name}", async () => {
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, ${ms}));
  appendFileSync(${JSON.stringify(join(dir, "log"))}, JSON.stringify({ name: "${name}", start, end: Date.now() }) + "\\n");
});
`,
  );
  return path;
}

/** The most files that ran at once, from the sleepers' log. */
function mostAtOnce(dir: string): number {
  const spans = readFileSync(join(dir, "log"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { start: number; end: number });
  return Math.max(...spans.map((span) => spans.filter((other) => other.start < span.end && span.start < other.end).length));
}

const last = (output: string, name: string): number => Number([...output.matchAll(new RegExp(`^# ${name} (\\d+)$`, "gm"))].at(-1)?.[1]);

test("files that mostly wait run side by side; files that keep a core busy do not crowd the cores", async () => {
  const waiting = temporaryDir("run-files-waiting-");
  const files = ["a", "b", "c", "d"].map((name) => sleeper(waiting, name, 1_500));
  mkdirSync(join(waiting, "test"));
  const table = Object.fromEntries(files.map((file) => [file, { seconds: 20, cpu: 2 }]));
  writeFileSync(join(waiting, "test", "durations.json"), JSON.stringify(table));
  const busy = temporaryDir("run-files-busy-");
  const busyFiles = ["a", "b", "c"].map((name) => sleeper(busy, name, 1_000));
  const capped = temporaryDir("run-files-capped-");
  const cappedFiles = ["a", "b", "c"].map((name) => sleeper(capped, name, 1_000));
  // why: three runners in their own folders, side by side; each counts only its own files' overlaps.
  const [together, apart, two] = await Promise.all([
    runFiles(waiting, ["--", ...files], { TEST_CPU_BUDGET: "2", TEST_CONCURRENCY: "6" }),
    // no durations table: each file counts as a whole core
    runFiles(busy, ["--", ...busyFiles], { TEST_CPU_BUDGET: "1", TEST_CONCURRENCY: "6" }),
    runFiles(capped, ["--", ...cappedFiles], { TEST_CPU_BUDGET: "8", TEST_CONCURRENCY: "2" }),
  ]);
  assert.equal(together.code, 0, together.stdout + together.stderr);
  assert.equal(mostAtOnce(waiting), 4, "four files at a tenth of a core each fit in 2 cores");
  assert.equal(last(together.stdout, "pass"), 4);
  assert.equal(apart.code, 0, apart.stdout + apart.stderr);
  assert.equal(mostAtOnce(busy), 1, "unmeasured files within 1 core: one at a time");
  assert.equal(two.code, 0, two.stdout + two.stderr);
  assert.equal(mostAtOnce(capped), 2, "TEST_CONCURRENCY caps the files at once");
});

test("a file that crashes before its tests, or outlives its timeout, fails the run by name", async () => {
  const dir = temporaryDir("run-files-broken-");
  const good = sleeper(dir, "good", 10);
  const crash = join(dir, "crash.test.mjs");
  writeFileSync(crash, `throw new Error("broken at load");\n`);
  const hang = join(dir, "hang.test.mjs");
  writeFileSync(hang, `import { test } from "node:test";\ntest("hangs", () => new Promise(() => setInterval(() => {}, 1000)));\n`);
  const run = await runFiles(dir, ["--", good, crash, hang], { TEST_FILE_TIMEOUT_MS: "3000" });
  assert.equal(run.code, 1);
  assert.match(run.stdout, new RegExp(`^not ok - ${crash.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} exited with code 1`, "m"));
  assert.match(run.stdout, /^not ok - .*hang\.test\.mjs timed out after 3 s \(TEST_FILE_TIMEOUT_MS\)$/m);
  assert.equal(last(run.stdout, "pass"), 1, "the good file's test");
  assert.ok(last(run.stdout, "fail") >= 2, `the crash and the timeout count as failures:\n${run.stdout}`);
  assert.match(run.stderr, /seconds and CPU per file, for test\/durations\.json: .*"seconds":/);
});

test("the compiled route keeps a test file's URL and folder, and maps a failure to its TypeScript line", async () => {
  // why: this very suite was compiled by run-tests (or runs through tsx); a probe file beside this one is not compiled, so the probe is one of ours.
  const probe = fileURLToPath(new URL("./helpers/loader-probe.ts", import.meta.url));
  const root = fileURLToPath(new URL("..", import.meta.url));
  const probeRun = await runCommand(process.execPath, ["--enable-source-maps", "--import", LOADER, probe], { cwd: root });
  const { code } = probeRun;
  const output = probeRun.stdout + probeRun.stderr;
  assert.equal(code, 1, output);
  const report = JSON.parse(output.split("\n").find((line) => line.startsWith("{")) ?? "{}") as { url?: string; dirname?: string };
  assert.equal(report.url, new URL(`file://${probe}`).href, "the module's URL is the .ts file's");
  assert.equal(report.dirname, join(root, "test", "helpers"));
  assert.match(output, /loader-probe\.ts:\d+:\d+/, "the stack names the TypeScript file");
  const line =
    readFileSync(probe, "utf8")
      .split("\n")
      .findIndex((text) => text.includes("throw new Error")) + 1;
  assert.match(output, new RegExp(`loader-probe\\.ts:${line}:`), `the stack names the TypeScript line ${line}`);
});
