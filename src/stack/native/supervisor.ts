/**
 * Runs the planned processes: refuses busy ports up front, starts them all at once and waits until
 * each serves, prefixes its output with its name, restarts one that dies once the stack runs (with
 * backoff; a child that keeps failing is reported while the rest keeps running), and stops them
 * all (last started first).
 */
import { UserError } from "../../errors.js";
import { isPortFree, startProcess, waitForHttp, type ExitInfo, type ManagedProcess } from "../../process/index.js";
import type { ProcessSpec } from "./plan.js";

// why: Prometheus replays its WAL before it is ready; a large TSDB takes minutes.
const READY_TIMEOUT_MS = 300_000;
const STOP_GRACE_MS = 10_000;
const REPORTED_LINES = 15;
/** First restart delay; doubled after each quick death, up to RESTART_MAX_DELAY_MS. */
const RESTART_FIRST_DELAY_MS = 1_000;
const RESTART_MAX_DELAY_MS = 30_000;
/** A child that lived this long before dying starts its backoff over. */
const RESTART_RESET_AFTER_MS = 60_000;
/** Quick deaths in a row after which a child is reported as failing (it is still retried). */
const FAILING_AFTER = 5;

/** What the supervisor knows about a child it restarted: shown by `status`. */
export interface RestartInfo {
  readonly restarts: number;
  readonly lastExit: string;
  /** Died quickly FAILING_AFTER times in a row: it keeps failing. */
  readonly failing: boolean;
}

/** The delay before the next restart after `quickDeaths` deaths in a row. */
export function restartDelayMs(quickDeaths: number, firstDelayMs = RESTART_FIRST_DELAY_MS): number {
  return Math.min(RESTART_MAX_DELAY_MS, firstDelayMs * 2 ** Math.max(0, quickDeaths - 1));
}

/** Every busy port of every spec, all at once, each naming the variable that moves it. */
export async function checkPortsFree(specs: readonly ProcessSpec[], host: string): Promise<void> {
  const problems: string[] = [];
  for (const spec of specs) {
    for (const use of spec.ports) {
      if (!(await isPortFree(use.port, host))) {
        problems.push(
          `${host}:${use.port} (${spec.name}) is already in use: stop what listens there, or set ${use.variable} to a free port in .env`,
        );
      }
    }
  }
  if (problems.length > 0) throw new UserError("Cannot start the native stack: a port it needs is busy.", problems);
}

/** `prometheus    | line`: names padded to the longest one so the output lines up. */
export function linePrefixer(names: readonly string[]): (name: string, line: string) => string {
  const width = Math.max(0, ...names.map((name) => name.length));
  return (name, line) => `${name.padEnd(width)} | ${line}`;
}

export interface ChildDeath {
  readonly name: string;
  readonly exit: ExitInfo;
  readonly lastLines: readonly string[];
}

/** "exited with code 1", "was killed by SIGKILL", "could not be started". */
export function describeExit(exit: ExitInfo): string {
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  if (exit.code === null) return "could not be started";
  return `exited with code ${exit.code}`;
}

/** The error a dead child turns into: its name, how it ended and its last output lines (exit 1). */
export class ChildDeathError extends UserError {
  readonly death: ChildDeath;

  constructor(death: ChildDeath) {
    const lines = death.lastLines.slice(-REPORTED_LINES).map((line) => `${death.name} | ${line}`);
    super(
      `${death.name} ${describeExit(death.exit)}; the other processes of the native stack were stopped.`,
      lines.length > 0 ? [`its last output lines:\n${lines.map((line) => `      ${line}`).join("\n")}`] : [],
      1,
    );
    this.death = death;
  }
}

export function childDeathError(death: ChildDeath): ChildDeathError {
  return new ChildDeathError(death);
}

export interface Supervised {
  readonly processes: readonly ManagedProcess[];
  /** Resolves with the first process that exits while we did not ask it to. */
  readonly firstDeath: Promise<ChildDeath>;
  /** Stops every process, last started first; afterwards deaths are no longer reported. */
  stopAll(): Promise<void>;
}

export interface SuperviseOptions {
  readonly baseEnv: NodeJS.ProcessEnv;
  readonly writeLine: (text: string) => void;
  /** Called once a process started (before it is ready), to record its pid. */
  readonly onStarted?: (spec: ProcessSpec, process: ManagedProcess) => void;
  /** Called when a child that died after startup was started again (or is waiting to be). */
  readonly onRestarted?: (spec: ProcessSpec, process: ManagedProcess | undefined, info: RestartInfo) => void;
  /** Aborted by Ctrl-C / SIGTERM: startup stops waiting and everything started is stopped. */
  readonly signal: AbortSignal;
  readonly readyTimeoutMs?: number;
  /** The first restart delay (default 1 s); tests shorten it. */
  readonly restartFirstDelayMs?: number;
}

class StartupAborted extends Error {}

function abortPromise(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(new StartupAborted("stopped during startup"));
    signal.addEventListener("abort", () => reject(new StartupAborted("stopped during startup")), { once: true });
  });
}

/** True when a start was interrupted by a stop request rather than failing. */
export function isStartupAborted(error: unknown): boolean {
  return error instanceof StartupAborted;
}

/**
 * Starts every spec at once (in order) and waits until each is ready. On any failure everything
 * started is stopped and the error thrown: the first death or a readiness timeout as UserError (exit 1).
 */
export async function startSupervised(specs: readonly ProcessSpec[], options: SuperviseOptions): Promise<Supervised> {
  const prefix = linePrefixer(specs.map((spec) => spec.name));
  const processes: ManagedProcess[] = [];
  let stopping = false;
  let reportDeath: (death: ChildDeath) => void = () => undefined;
  const firstDeath = new Promise<ChildDeath>((resolve) => {
    reportDeath = resolve;
  });
  const aborted = abortPromise(options.signal);
  aborted.catch(() => undefined);

  let running = false;
  const timers = new Set<NodeJS.Timeout>();
  const stopAll = async (): Promise<void> => {
    stopping = true;
    for (const timer of timers) clearTimeout(timer);
    for (const child of [...processes].reverse()) await child.stop(STOP_GRACE_MS);
  };

  const launch = (spec: ProcessSpec, slot: number, history: { restarts: number; quickDeaths: number }): ManagedProcess => {
    const startedAt = Date.now();
    const child = startProcess({
      name: spec.name,
      command: spec.command,
      args: spec.args,
      env: { ...options.baseEnv, ...spec.env },
      onLine: (line) => options.writeLine(prefix(spec.name, line)),
    });
    processes[slot] = child;
    void child.exited.then((exit) => {
      if (stopping) return;
      // why: before the stack runs, a death fails `up`; afterwards one child's death must not stop the others.
      if (!running) return reportDeath({ name: spec.name, exit, lastLines: child.recentOutput() });
      const quickDeaths = Date.now() - startedAt >= RESTART_RESET_AFTER_MS ? 1 : history.quickDeaths + 1;
      const delay = restartDelayMs(quickDeaths, options.restartFirstDelayMs);
      const info = { restarts: history.restarts, lastExit: describeExit(exit), failing: quickDeaths >= FAILING_AFTER };
      options.writeLine(
        `vllm-monitor: ${spec.name} ${info.lastExit}${info.failing ? ` (${quickDeaths} times in a row: it keeps failing)` : ""}; restarting it in ${delay / 1000}s, the rest keeps running`,
      );
      options.onRestarted?.(spec, undefined, info);
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (stopping) return;
        const next = launch(spec, slot, { restarts: history.restarts + 1, quickDeaths });
        options.onRestarted?.(spec, next, { ...info, restarts: history.restarts + 1 });
      }, delay);
      timers.add(timer);
    });
    return child;
  };

  // why: every child starts at once (none needs another to be up: Prometheus retries its scrapes and
  // Grafana and the viewer only proxy to it), so start-up takes as long as the slowest child, not their sum.
  const children = specs.map((spec) => {
    const child = launch(spec, processes.length, { restarts: 0, quickDeaths: 0 });
    options.onStarted?.(spec, child);
    return { spec, child };
  });
  // why: the readiness polls must end as soon as the race is lost, or they keep the CLI alive until their timeout.
  const stopWaiting = new AbortController();
  const allReady = Promise.all(
    children.map(({ spec, child }) =>
      waitForHttp(spec.readyUrl, {
        what: `${spec.name} on ${spec.readyUrl}`,
        timeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS,
        intervalMs: 200,
        signal: stopWaiting.signal,
      }).catch((error: unknown) => {
        if (!(error instanceof Error && error.message.startsWith("timed out"))) throw error;
        throw new UserError(
          `${spec.name} did not become ready: ${error.message}; the native stack was stopped.`,
          child
            .recentOutput()
            .slice(-REPORTED_LINES)
            .map((line) => `${spec.name} | ${line}`),
          1,
        );
      }),
    ),
  ).then(() => "ready" as const);
  allReady.catch(() => undefined);
  try {
    const outcome = await Promise.race([allReady, firstDeath, aborted]);
    if (outcome !== "ready") throw childDeathError(outcome);
  } catch (error) {
    stopWaiting.abort();
    await stopAll();
    throw error;
  }
  running = true;
  return { processes, firstDeath, stopAll };
}
