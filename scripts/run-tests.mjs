#!/usr/bin/env node
// Runs every test/**/*.test.ts, each file in its own node process with node's own test runner (TAP
// on stdout), the longest files first and as many side by side as the cores carry
// (scripts/run-files.mjs), then prints the plain closing line `N passed, N failed` that CI reads.
// The suite is type-checked and compiled first (scripts/compiled-tests.mjs), and the files run as
// JavaScript through scripts/test-loader.mjs; TEST_COMPILED=0 type-checks without emitting and runs
// them through tsx, TEST_COMPILED_CLI=0 starts the CLI they spawn through tsx too. Arguments narrow
// the run to paths containing them. TEST_DURATIONS_RECORD=1 refreshes test/durations.json from the
// files this run took.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { prepareTests } from "./compiled-tests.mjs";
import { findTests, longestFirst, readDurations } from "./test-files.mjs";

const filters = process.argv.slice(2);
const files = longestFirst(
  findTests("test").filter((file) => filters.length === 0 || filters.some((f) => file.includes(f))),
  readDurations(),
);
if (files.length === 0) {
  console.error(`no test files match ${filters.join(" ")}`);
  process.exit(2);
}

const root = fileURLToPath(new URL("..", import.meta.url));
const compiledSuite = process.env.TEST_COMPILED !== "0";
// The CLI that tests start as child processes, compiled (scripts/compiled-cli.mjs); TEST_COMPILED_CLI=0
// starts them from source through tsx instead.
const compiledChildren = process.env.TEST_COMPILED_CLI !== "0";
const childEnv = { ...process.env };
let nodeFlags;
{
  const started = Date.now();
  try {
    const prepared = await prepareTests(root, { compileSuite: compiledSuite, compileCli: compiledChildren });
    if (compiledChildren) childEnv.VLLM_MONITOR_COMPILED_CLI = prepared.cli;
    console.error(
      `run-tests: type-checked the suite and the viewer's page${compiledSuite ? ", compiled the suite" : ""}` +
        `${prepared.compiledCli > 0 ? ` and the children's CLI (${prepared.compiledCli} files newer than dist/)` : ""} in ${Math.round((Date.now() - started) / 1000)} s`,
    );
  } catch (error) {
    console.error(`run-tests: ${error.message}`);
    process.exit(2);
  }
  // The test files themselves: compiled JavaScript through scripts/test-loader.mjs, or their sources through tsx.
  nodeFlags = compiledSuite
    ? ["--enable-source-maps", "--import", fileURLToPath(new URL("test-loader.mjs", import.meta.url))]
    : ["--import", "tsx"];
}

// The whole run stops after this, kills what is left and still prints its closing line, so CI's
// own limit is never what ends it.
const budgetMs = Number(process.env.TEST_BUDGET_MS ?? 70 * 60_000);

// Each file's timeout (TEST_FILE_TIMEOUT_MS), the concurrency (TEST_CONCURRENCY) and the cores it
// fills (TEST_CPU_BUDGET) are run-files'.
const child = spawn(
  process.execPath,
  [fileURLToPath(new URL("run-files.mjs", import.meta.url)), ...nodeFlags, "--", ...files],
  // detached: its own process group, so the budget can stop the runner, which passes the signal on to each file's group.
  { stdio: ["ignore", "pipe", "inherit"], detached: true, env: childEnv },
);
let tail = "";
let failedLines = 0;
let passedLines = 0;
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  const text = chunk.toString();
  tail = (tail + text).slice(-4096);
  failedLines += (text.match(/^not ok \d+ /gm) ?? []).length;
  passedLines += (text.match(/^ok \d+ /gm) ?? []).length;
});

let overBudget = false;
const killGroup = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
};
const budget = setTimeout(() => {
  overBudget = true;
  console.error(
    `run-tests: the run went over its budget of ${Math.round(budgetMs / 1000)} s (TEST_BUDGET_MS): stopping the tests still running`,
  );
  killGroup("SIGTERM");
  setTimeout(() => killGroup("SIGKILL"), 10_000).unref();
}, budgetMs);
budget.unref();

// Ctrl-C or a stop of the run reaches the tests too: they run in their own process group.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    killGroup(signal);
    setTimeout(() => killGroup("SIGKILL"), 10_000).unref();
  });
}

// 'exit', not 'close': a test's leftover child holding the pipe must not keep the run open.
child.on("exit", (code) => {
  clearTimeout(budget);
  setTimeout(() => {
    // why: each file's TAP ends in its own summary; run-files prints the run's totals last.
    const count = (name) => Number([...tail.matchAll(new RegExp(`^# ${name} (\\d+)$`, "gm"))].at(-1)?.[1] ?? 0);
    const summarised = /^# pass \d+$/m.test(tail);
    // Killed before node's own summary: count the top-level results it printed, plus one failure for the budget.
    const passed = summarised ? count("pass") : passedLines;
    const failed = summarised ? count("fail") + count("cancelled") : failedLines + 1;
    if (overBudget && summarised) console.error("run-tests: node's summary above is of the run cut short by the budget");
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(overBudget ? 1 : (code ?? 1));
  }, 500);
});
