// Runs the test files it is given, each in its own node process, as many side by side as the
// machine's cores can carry: a file's share of a core (its CPU seconds over its wall seconds, from
// test/durations.json) counts against TEST_CPU_BUDGET (default: the number of cores), so files
// that mostly wait on Prometheus, Alertmanager or a timer run several at once, and busy ones do not
// crowd each other. At most TEST_CONCURRENCY files run at once (default 6). Each file's TAP is
// printed whole when it ends, then the totals in node's summary lines (`# pass N`, `# fail N`).
// TEST_DURATIONS_RECORD=1 writes each file's seconds and CPU to test/durations.json.
// Usage: node run-files.mjs NODE_FLAGS... -- FILE...
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { coreShare, readDurations, recordDurations } from "./test-files.mjs";

const separator = process.argv.indexOf("--");
const nodeFlags = process.argv.slice(2, separator);
const files = process.argv.slice(separator + 1);
const durations = readDurations();
const maxFiles = Number(process.env.TEST_CONCURRENCY ?? 6);
const cpuBudget = Number(process.env.TEST_CPU_BUDGET ?? availableParallelism());
// A file that runs longer than this fails as timed out (its process group is killed) instead of holding the run.
const fileTimeoutMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 15 * 60_000);
const CPU_MODULE = fileURLToPath(new URL("test-cpu.mjs", import.meta.url));
const reports = mkdtempSync(join(tmpdir(), "test-cpu-"));

const totals = { tests: 0, suites: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
const measured = {};
const running = new Map();
const pending = [...files];
const startedAt = Date.now();
let stopping = false;

const load = () => [...running.values()].reduce((sum, run) => sum + run.share, 0);

function start(file, index) {
  const share = coreShare(durations[file]);
  const report = join(reports, `${index}.cpu`);
  const child = spawn(process.execPath, [...nodeFlags, "--import", CPU_MODULE, "--test-reporter=tap", file], {
    // detached: its own process group, so a timeout or a stop reaches the test's own children too.
    detached: true,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, TEST_CPU_REPORT: report },
  });
  const run = { child, share, started: Date.now(), output: [], timedOut: false };
  child.stdout.on("data", (chunk) => run.output.push(chunk));
  run.timer = setTimeout(() => {
    run.timedOut = true;
    killGroup(child, "SIGTERM");
    setTimeout(() => killGroup(child, "SIGKILL"), 10_000).unref();
  }, fileTimeoutMs);
  running.set(file, run);
  // 'exit', then the pipe's end: a test's leftover child holding stdout must not hold the run.
  child.on("exit", (code, signal) => setTimeout(() => finish(file, run, code, signal, report), 100));
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

/** Starts every pending file that fits: the longest first, then any shorter one that fits beside them. */
function fill() {
  for (let index = 0; !stopping && index < pending.length && running.size < maxFiles;) {
    const file = pending[index];
    if (running.size === 0 || load() + coreShare(durations[file]) <= cpuBudget + 1e-9) {
      pending.splice(index, 1);
      start(file, files.indexOf(file));
    } else index++;
  }
  if (running.size === 0 && (pending.length === 0 || stopping)) end();
}

function finish(file, run, code, signal, report) {
  if (!running.has(file)) return;
  clearTimeout(run.timer);
  running.delete(file);
  const seconds = (Date.now() - run.started) / 1000;
  let cpu;
  try {
    cpu = Number(readFileSync(report, "utf8"));
  } catch {
    // killed before it could say, or no /proc
  }
  measured[file] = { seconds, cpu };
  const text = Buffer.concat(run.output).toString();
  const count = (name) => Number(text.match(new RegExp(`^# ${name} (\\d+)$`, "m"))?.[1] ?? 0);
  for (const name of Object.keys(totals)) totals[name] += count(name);
  const summarised = /^# pass \d+$/m.test(text);
  process.stdout.write(`# file ${file}: ${seconds.toFixed(1)} s, ${cpu === undefined ? "?" : cpu.toFixed(1)} s CPU\n${text}`);
  // A file that crashed, timed out or exited non-zero without a failing test still fails the run.
  if (run.timedOut || !summarised || (code !== 0 && count("fail") + count("cancelled") === 0)) {
    const why = run.timedOut
      ? `timed out after ${fileTimeoutMs / 1000} s (TEST_FILE_TIMEOUT_MS)`
      : `exited with ${signal ?? `code ${code}`}${summarised ? " without a failing test" : " before its summary"}`;
    process.stdout.write(`not ok - ${file} ${why}\n`);
    totals.fail += 1;
  }
  fill();
}

function end() {
  rmSync(reports, { recursive: true, force: true });
  const slowest = Object.entries(measured)
    .sort(([, a], [, b]) => b.seconds - a.seconds)
    .slice(0, 15)
    .map(([file, { seconds, cpu }]) => `${seconds.toFixed(1)} s (${cpu?.toFixed(1) ?? "?"} s CPU) ${file}`);
  // On stderr, so a CI log shows what to put in test/durations.json; the summary stays last on stdout.
  if (slowest.length > 0) console.error(`run-tests: the slowest files:\n  ${slowest.join("\n  ")}`);
  const cpuTotal = Object.values(measured).reduce((sum, { cpu }) => sum + (cpu ?? 0), 0);
  console.error(
    `run-tests: ${Object.keys(measured).length} files in ${((Date.now() - startedAt) / 1000).toFixed(1)} s, ${cpuTotal.toFixed(0)} s of CPU in the files' own processes (up to ${maxFiles} files at once, within ${cpuBudget} cores)`,
  );
  console.error(`run-tests: seconds and CPU per file, for test/durations.json: ${JSON.stringify(measured)}`);
  if (process.env.TEST_DURATIONS_RECORD === "1") recordDurations(measured);
  for (const [name, value] of Object.entries(totals)) process.stdout.write(`# ${name} ${value}\n`);
  process.stdout.write(`# duration_ms ${Date.now() - startedAt}\n`);
  process.exitCode = totals.fail + totals.cancelled > 0 ? 1 : 0;
}

// A stop of the run reaches every running file's process group; each prints what it had, then the totals.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    stopping = true;
    for (const run of running.values()) killGroup(run.child, signal);
    setTimeout(() => {
      for (const run of running.values()) killGroup(run.child, "SIGKILL");
    }, 5_000).unref();
  });
}

fill();
