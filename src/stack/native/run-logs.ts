/**
 * Old run logs are pruned: every `up --native` writes its own `native-<pid>.log`, and a machine
 * that starts the stack from a scheduler every day would otherwise gather them without end.
 */
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { isAlive } from "../registry.js";

/** How many run logs are kept, newest first, besides those of supervisors still running. */
export const RUN_LOGS_KEPT = 10;

const RUN_LOG = /^native-(\d+)\.log$/;

/**
 * The run logs in `stateDir` to delete: all but the newest `keep`, never one whose supervisor is
 * still alive (its `vllm-monitor logs` reads it). Pure apart from reading the folder and pids.
 */
function staleRunLogs(stateDir: string, keep: number = RUN_LOGS_KEPT, alive: (pid: number) => boolean = isAlive): string[] {
  let names: string[];
  try {
    names = readdirSync(stateDir);
  } catch {
    return [];
  }
  const logs = names
    .map((name) => ({ name, pid: Number(RUN_LOG.exec(name)?.[1] ?? Number.NaN) }))
    .filter((log) => Number.isInteger(log.pid))
    .map((log) => ({ ...log, file: join(stateDir, log.name), modified: modifiedMs(join(stateDir, log.name)) }))
    .sort((a, b) => b.modified - a.modified);
  return logs
    .slice(keep)
    .filter((log) => !alive(log.pid))
    .map((log) => log.file);
}

/** When the file last changed; a file deleted meanwhile counts as oldest. */
function modifiedMs(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Deletes the stale run logs; a file that went away meanwhile is not an error. Returns how many went. */
export function pruneRunLogs(stateDir: string, keep: number = RUN_LOGS_KEPT): number {
  const stale = staleRunLogs(stateDir, keep);
  for (const file of stale) rmSync(file, { force: true });
  return stale.length;
}
