/** What `vllm-monitor status` reports: the recorded processes, whether each lives, and target health. */
import { fetchScrapeTargets, type ScrapeTargetHealth } from "./prometheus-api.js";
import { isAlive, readState, type NativeState } from "./state.js";

export interface ProcessStatus {
  readonly name: string;
  readonly pid: number;
  readonly ports: readonly number[];
  readonly alive: boolean;
}

export interface NativeStatus {
  /** False when no supervisor is recorded or it is gone. */
  readonly running: boolean;
  readonly phase?: NativeState["phase"];
  readonly supervisorPid?: number;
  readonly startedAt?: string;
  readonly prometheusUrl?: string;
  readonly processes: readonly ProcessStatus[];
  readonly targets: readonly ScrapeTargetHealth[];
  /** Why target health could not be read from Prometheus. */
  readonly targetsError?: string;
}

export async function collectNativeStatus(stateFile: string): Promise<NativeStatus> {
  const state = readState(stateFile);
  if (state === undefined) return { running: false, processes: [], targets: [] };
  const processes = state.processes.map((child) => ({ name: child.name, pid: child.pid, ports: child.ports.map((use) => use.port), alive: isAlive(child.pid) }));
  const base = {
    running: isAlive(state.supervisorPid),
    phase: state.phase,
    supervisorPid: state.supervisorPid,
    startedAt: state.startedAt,
    prometheusUrl: state.prometheusUrl,
    processes,
  };
  try {
    return { ...base, targets: await fetchScrapeTargets(state.prometheusUrl) };
  } catch (error) {
    return { ...base, targets: [], targetsError: error instanceof Error ? error.message : String(error) };
  }
}

/** True when the supervisor and every process live and every scrape target is up. */
export function isHealthy(status: NativeStatus): boolean {
  return status.running && status.processes.every((child) => child.alive) && status.targetsError === undefined && status.targets.every((target) => target.health === "up");
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_cell, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join("  ").trimEnd());
}

/** Plain-text report. Pure. */
export function formatNativeStatus(status: NativeStatus): string {
  if (status.supervisorPid === undefined) return "The native stack is not running (start it with: vllm-monitor up --native).\n";
  const lines: string[] = [];
  if (!status.running) {
    lines.push(`The native stack is not running: its supervisor (pid ${status.supervisorPid}) is gone. Clean up with: vllm-monitor down`);
  } else {
    lines.push(`Native stack ${status.phase ?? "running"}: supervisor pid ${status.supervisorPid}, started ${status.startedAt ?? "?"}`);
  }
  lines.push("", ...table([["PROCESS", "PID", "PORTS", "STATE"], ...status.processes.map((child) => [child.name, String(child.pid), child.ports.join(","), child.alive ? "alive" : "dead"])]));
  lines.push("");
  if (status.targetsError !== undefined) {
    lines.push(`Scrape targets: could not ask Prometheus at ${status.prometheusUrl ?? "?"} (${status.targetsError})`);
  } else if (status.targets.length === 0) {
    lines.push("Scrape targets: none yet");
  } else {
    lines.push(...table([["JOB", "INSTANCE", "HEALTH", "LAST ERROR"], ...status.targets.map((target) => [target.job, target.instance, target.health, target.lastError])]));
  }
  return `${lines.join("\n")}\n`;
}
