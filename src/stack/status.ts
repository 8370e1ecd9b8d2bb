/** What `vllm-monitor status` reports: the recorded stack, whether each process lives, and target health. */
import { fetchRemoteWriteQueues, fetchScrapeTargets, type RemoteWriteQueue, type ScrapeTarget } from "../prometheus/client.js";
import { isAlive, stackName, type StackState } from "./registry.js";
import { queueHealth, queuesHealthy } from "../prometheus/remote-write-health.js";
import { escapeControl } from "../text/echo.js";
import { fetchStorageHealth, type StorageHealth } from "../prometheus/storage.js";
import { recordedNativePaths } from "./native/paths.js";

export interface ProcessStatus {
  readonly name: string;
  readonly pid: number;
  readonly ports: readonly number[];
  readonly alive: boolean;
  /** Restarts by the supervisor after the child died, and how it last ended. */
  readonly restarts?: number;
  readonly lastExit?: string;
  readonly failing?: boolean;
}

export interface StackStatus {
  /** False when no stack is recorded, or its supervisor is gone. */
  readonly running: boolean;
  readonly stack?: StackState;
  readonly processes: readonly ProcessStatus[];
  readonly targets: readonly Pick<ScrapeTarget, "job" | "instance" | "health" | "lastError" | "scrapeUrl" | "limitAdvice">[];
  /** Why target health could not be read from Prometheus. */
  readonly targetsError?: string;
  /** The remote-write queues, when the stack sends to REMOTE_WRITE_URL. */
  readonly remoteWrite?: readonly RemoteWriteQueue[];
  /** Why the queues could not be read from Prometheus's /metrics. */
  readonly remoteWriteError?: string;
  /** Whether Prometheus stores what it scrapes (server mode). */
  readonly storage?: StorageHealth;
}

export async function collectStatus(stack: StackState | undefined): Promise<StackStatus> {
  if (stack === undefined) return { running: false, processes: [], targets: [] };
  if (stack.kind === "compose")
    return {
      running: true,
      stack,
      processes: [],
      targets: [],
      targetsError: "Prometheus has no host port in the compose stack; see its targets in Grafana (Machine overview → Targets up)",
    };
  const processes = stack.processes.map((child) => ({
    name: child.name,
    pid: child.pid,
    ports: child.ports.map((use) => use.port),
    alive: isAlive(child.pid),
    ...(child.restarts === undefined ? {} : { restarts: child.restarts }),
    ...(child.lastExit === undefined ? {} : { lastExit: child.lastExit }),
    ...(child.failing === undefined ? {} : { failing: child.failing }),
  }));
  const running = isAlive(stack.supervisorPid);
  if (!running) return { running, stack, processes, targets: [] };
  const [targets, queues, storageHealth] = await Promise.all([
    fetchScrapeTargets(stack.prometheusUrl),
    stack.remoteWriteUrl === undefined ? undefined : fetchRemoteWriteQueues(stack.prometheusUrl),
    stack.prometheusMode === "agent"
      ? undefined
      : fetchStorageHealth(stack.prometheusUrl, { dataDir: recordedNativePaths(stack).prometheusData }),
  ]);
  const remoteWrite = queues === undefined ? {} : queues.reachable ? { remoteWrite: queues.value } : { remoteWriteError: queues.reason };
  const storage = storageHealth === undefined ? {} : { storage: storageHealth };
  return targets.reachable
    ? { running, stack, processes, targets: targets.value, ...remoteWrite, ...storage }
    : { running, stack, processes, targets: [], targetsError: targets.reason, ...remoteWrite, ...storage };
}

/** True when the stack runs, every process lives, every scrape target is up and remote write delivers. */
export function isHealthy(status: StackStatus): boolean {
  return (
    status.running &&
    status.processes.every((child) => child.alive && child.failing !== true) &&
    status.targetsError === undefined &&
    status.targets.every((target) => target.health === "up") &&
    status.remoteWriteError === undefined &&
    status.storage?.storing !== false &&
    queuesHealthy(status.remoteWrite ?? [])
  );
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_cell, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

/** ` by USER in FOLDER`, from the record. */
function owner(stack: StackState): string {
  return `${stack.user === undefined ? "" : ` by ${stack.user}`} in ${stack.workDir}`;
}

/** Plain-text report; control characters escaped, since last errors quote what targets answered. Pure. */
export function formatStatus(status: StackStatus): string {
  return formatStatusLines(status).split("\n").map(escapeControl).join("\n");
}

function formatStatusLines(status: StackStatus): string {
  const stack = status.stack;
  if (stack === undefined) return "No stack is running (start one with: vllm-monitor up, or vllm-monitor up --native).\n";
  if (stack.kind === "compose") {
    const ui =
      stack.prometheusMode === "agent"
        ? `agent mode, forwarding to ${stack.remoteWriteUrl ?? "?"} (no Grafana here)`
        : `Grafana: ${stack.grafanaUrl}`;
    return `Compose stack ${stackName(stack)} started ${stack.startedAt}${stack.demo ? " (demo mode with the simulator)" : ""}${owner(stack)}, configs in ${stack.outDir}\n  ${ui}\n  containers: ${stack.composeCommand ?? "docker compose -p vllm-monitor"} ps · logs: vllm-monitor logs · stop: vllm-monitor down\n`;
  }
  const lines: string[] = [];
  if (stack.phase === "failed" && stack.failure !== undefined) {
    lines.push(
      `The native stack stopped at ${stack.failure.at}: ${stack.failure.name} ${stack.failure.how}; the other processes were stopped.`,
    );
    if (stack.failure.lastLines.length > 0)
      lines.push(`Last lines of ${stack.failure.name}:`, ...stack.failure.lastLines.map((line) => `  ${stack.failure?.name} | ${line}`));
    lines.push(`Full log: ${stack.logFile}. Fix the cause, then: vllm-monitor up --native (clear this record with: vllm-monitor down)`);
    return `${lines.join("\n")}\n`;
  }
  if (!status.running) {
    lines.push(`The native stack is not running: its supervisor (pid ${stack.supervisorPid}) is gone. Clean up with: vllm-monitor down`);
  } else {
    lines.push(
      `Native stack ${stackName(stack)} ${stack.phase}: supervisor pid ${stack.supervisorPid}, started ${stack.startedAt}${owner(stack)}, configs in ${stack.outDir}`,
    );
    if (stack.prometheusMode === "agent")
      lines.push(
        `Prometheus runs as an agent: it scrapes and forwards, and answers no queries (dashboards and rules read the central store)`,
      );
  }
  const restarted = status.processes.some((child) => child.lastExit !== undefined);
  const processRow = (child: ProcessStatus): string[] => {
    const state = child.failing === true ? "failing" : child.alive ? "alive" : "dead";
    return [
      child.name,
      String(child.pid),
      child.ports.join(","),
      state,
      ...(restarted ? [String(child.restarts ?? 0), child.lastExit ?? ""] : []),
    ];
  };
  lines.push(
    "",
    ...table([["PROCESS", "PID", "PORTS", "STATE", ...(restarted ? ["RESTARTS", "LAST EXIT"] : [])], ...status.processes.map(processRow)]),
  );
  for (const child of status.processes) {
    if (child.failing === true)
      lines.push(
        `${child.name} keeps failing (${child.lastExit ?? "died"}; restarted ${child.restarts ?? 0} times): see its lines in ${stack.logFile}; the rest of the stack keeps running`,
      );
  }
  lines.push("");
  if (!status.running) return `${lines.join("\n")}\n`;
  if (status.targetsError !== undefined) {
    lines.push(`Scrape targets: could not ask Prometheus at ${stack.prometheusUrl} (${status.targetsError})`);
  } else if (status.targets.length === 0) {
    lines.push("Scrape targets: none yet");
  } else {
    lines.push(
      ...table([
        ["JOB", "INSTANCE", "HEALTH", "LAST ERROR"],
        ...status.targets.map((target) => [target.job, target.instance, target.health, target.lastError]),
      ]),
    );
    for (const target of status.targets)
      if (target.limitAdvice !== undefined) lines.push(`${target.job} ${target.instance}: ${target.limitAdvice}`);
  }
  if (status.storage !== undefined && status.storage.problems.length > 0)
    lines.push("", ...status.storage.problems.map((problem) => `Prometheus storage: ${problem}`));
  if (stack.remoteWriteUrl !== undefined) {
    lines.push("");
    if (status.remoteWriteError !== undefined)
      lines.push(`Remote write to ${stack.remoteWriteUrl}: could not read Prometheus's queue metrics (${status.remoteWriteError})`);
    else if ((status.remoteWrite ?? []).length === 0) lines.push(`Remote write to ${stack.remoteWriteUrl}: no queue yet`);
    for (const queue of status.remoteWrite ?? []) lines.push(`Remote write to ${queue.url}: ${queueHealth(queue).message}`);
  }
  return `${lines.join("\n")}\n`;
}
