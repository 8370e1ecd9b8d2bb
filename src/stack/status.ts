/** What `vllm-monitor status` reports: the recorded stack, whether each process lives, and target health. */
import { fetchScrapeTargets, type ScrapeTarget } from "../prometheus/client.js";
import { isAlive, type StackState } from "./registry.js";

export interface ProcessStatus {
  readonly name: string;
  readonly pid: number;
  readonly ports: readonly number[];
  readonly alive: boolean;
}

export interface StackStatus {
  /** False when no stack is recorded, or its supervisor is gone. */
  readonly running: boolean;
  readonly stack?: StackState;
  readonly processes: readonly ProcessStatus[];
  readonly targets: readonly Pick<ScrapeTarget, "job" | "instance" | "health" | "lastError" | "scrapeUrl">[];
  /** Why target health could not be read from Prometheus. */
  readonly targetsError?: string;
}

export async function collectStatus(stack: StackState | undefined): Promise<StackStatus> {
  if (stack === undefined) return { running: false, processes: [], targets: [] };
  if (stack.kind === "compose") return { running: true, stack, processes: [], targets: [], targetsError: "Prometheus has no host port in the compose stack; see its targets in Grafana (Machine overview → Targets up)" };
  const processes = stack.processes.map((child) => ({ name: child.name, pid: child.pid, ports: child.ports.map((use) => use.port), alive: isAlive(child.pid) }));
  const running = isAlive(stack.supervisorPid);
  if (!running) return { running, stack, processes, targets: [] };
  const targets = await fetchScrapeTargets(stack.prometheusUrl);
  return targets.reachable ? { running, stack, processes, targets: targets.value } : { running, stack, processes, targets: [], targetsError: targets.reason };
}

/** True when the stack runs, every process lives and every scrape target is up. */
export function isHealthy(status: StackStatus): boolean {
  return status.running && status.processes.every((child) => child.alive) && status.targetsError === undefined && status.targets.every((target) => target.health === "up");
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_cell, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join("  ").trimEnd());
}

/** Plain-text report. Pure. */
export function formatStatus(status: StackStatus): string {
  const stack = status.stack;
  if (stack === undefined) return "No stack is running (start one with: vllm-monitor up, or vllm-monitor up --native).\n";
  if (stack.kind === "compose") {
    return `Compose stack started ${stack.startedAt}${stack.demo ? " (demo mode with the simulator)" : ""}, configs in ${stack.outDir}\n  Grafana: ${stack.grafanaUrl}\n  containers: docker compose -p vllm-monitor ps · logs: vllm-monitor logs · stop: vllm-monitor down\n`;
  }
  const lines: string[] = [];
  if (stack.phase === "failed" && stack.failure !== undefined) {
    lines.push(`The native stack stopped at ${stack.failure.at}: ${stack.failure.name} ${stack.failure.how}; the other processes were stopped.`);
    if (stack.failure.lastLines.length > 0) lines.push(`Last lines of ${stack.failure.name}:`, ...stack.failure.lastLines.map((line) => `  ${stack.failure?.name} | ${line}`));
    lines.push(`Full log: ${stack.logFile}. Fix the cause, then: vllm-monitor up --native (clear this record with: vllm-monitor down)`);
    return `${lines.join("\n")}\n`;
  }
  if (!status.running) {
    lines.push(`The native stack is not running: its supervisor (pid ${stack.supervisorPid}) is gone. Clean up with: vllm-monitor down`);
  } else {
    lines.push(`Native stack ${stack.phase}: supervisor pid ${stack.supervisorPid}, started ${stack.startedAt}, configs in ${stack.outDir}`);
  }
  lines.push("", ...table([["PROCESS", "PID", "PORTS", "STATE"], ...status.processes.map((child) => [child.name, String(child.pid), child.ports.join(","), child.alive ? "alive" : "dead"])]));
  lines.push("");
  if (!status.running) return `${lines.join("\n")}\n`;
  if (status.targetsError !== undefined) {
    lines.push(`Scrape targets: could not ask Prometheus at ${stack.prometheusUrl} (${status.targetsError})`);
  } else if (status.targets.length === 0) {
    lines.push("Scrape targets: none yet");
  } else {
    lines.push(...table([["JOB", "INSTANCE", "HEALTH", "LAST ERROR"], ...status.targets.map((target) => [target.job, target.instance, target.health, target.lastError])]));
  }
  return `${lines.join("\n")}\n`;
}
