/**
 * `up --native --detach`: re-runs `up --native` in its own session with output to
 * its own `native-<pid>.log` in the stack's data folder, waits until its registry entry says every process is ready, and returns.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { ensurePrivateFolder } from "../../render/private-files.js";
import { setTimeout as sleep } from "node:timers/promises";
import { UserError } from "../../errors.js";
import { runLogFile, type NativePaths } from "./paths.js";
import type { CliInvocation } from "./plan.js";
import type { StackState } from "../registry.js";

const START_TIMEOUT_MS = 360_000;
const STOP_WAIT_MS = 30_000;
const LOG_TAIL_LINES = 20;

function logTail(file: string): string[] {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-LOG_TAIL_LINES);
  } catch {
    return [];
  }
}

/**
 * Starts the supervisor in the background; resolves with its pid once Prometheus is ready.
 * `onSpawned` runs as soon as it has a pid (to record it). Ctrl-C or SIGTERM while it starts
 * stops it and everything it started, and says so.
 */
export async function startDetached(
  cli: CliInvocation,
  upArgs: readonly string[],
  paths: NativePaths,
  readState: () => StackState | undefined,
  onSpawned: (pid: number) => void = () => undefined,
): Promise<number> {
  ensurePrivateFolder(paths.stateDir);
  // why: the log is named after the supervisor's pid, known only once it runs; the open file survives the rename.
  const starting = join(paths.stateDir, `native-starting-${process.pid}.log`);
  const log = openSync(starting, "w", 0o644);
  const child = spawn(cli.command, [...cli.args, ...upArgs], {
    detached: true,
    stdio: ["ignore", log, log],
    env: process.env,
    cwd: paths.workDir,
  });
  closeSync(log);
  const logFile = child.pid === undefined ? starting : runLogFile(paths, child.pid);
  if (logFile !== starting) renameSync(starting, logFile);
  let exitCode: number | null | undefined;
  child.once("exit", (code, signal) => {
    exitCode = code ?? (signal === null ? 1 : 128);
  });
  child.once("error", () => {
    exitCode = 1;
  });
  const pid = child.pid ?? -1;
  if (pid > 0) onSpawned(pid);
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = signal;
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, onSignal);
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      if (interrupted !== undefined) {
        // why: the supervisor stops what it started on SIGTERM and removes its record; waiting for it keeps the promise we print.
        child.kill("SIGTERM");
        const stopBy = Date.now() + STOP_WAIT_MS;
        while (exitCode === undefined && Date.now() < stopBy) await sleep(100);
        if (exitCode === undefined) child.kill("SIGKILL");
        throw new UserError(
          `Interrupted (${interrupted}) while the native stack was starting: stopped it and every process it had started (supervisor pid ${pid}).`,
          [`its log: ${logFile}`],
          130,
        );
      }
      if (exitCode !== undefined) {
        const tail = logTail(logFile);
        throw new UserError(
          `The native stack stopped while starting (exit code ${exitCode}); its log ${logFile} ends with:`,
          tail,
          exitCode === 2 ? 2 : 1,
        );
      }
      const state = readState();
      if (state?.kind === "native" && state.supervisorPid === pid && state.phase === "running") return pid;
      if (Date.now() > deadline) {
        child.kill("SIGTERM");
        throw new UserError(
          `The native stack did not become ready within ${START_TIMEOUT_MS / 1000} s and was stopped; see ${logFile}.`,
          logTail(logFile),
          1,
        );
      }
      await sleep(200);
    }
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    child.unref();
  }
}
