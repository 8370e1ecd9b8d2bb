/**
 * Runs the planned processes: refuses busy ports up front, starts each in order and waits until
 * it serves, prefixes its output with its name, reports the first one that dies, and stops them
 * all (last started first).
 */
import { UserError } from "../../errors.js";
import { isPortFree, startProcess, waitForHttp, type ExitInfo, type ManagedProcess } from "../../process/index.js";
import type { ProcessSpec } from "./plan.js";

// why: Prometheus replays its WAL before it is ready; a large TSDB takes minutes.
const READY_TIMEOUT_MS = 300_000;
const STOP_GRACE_MS = 10_000;
const REPORTED_LINES = 15;

/** Every busy port of every spec, all at once, each naming the variable that moves it. */
export async function checkPortsFree(specs: readonly ProcessSpec[], host: string): Promise<void> {
  const problems: string[] = [];
  for (const spec of specs) {
    for (const use of spec.ports) {
      if (!(await isPortFree(use.port, host))) {
        problems.push(`${host}:${use.port} (${spec.name}) is already in use: stop what listens there, or set ${use.variable} to a free port in .env`);
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
  /** Aborted by Ctrl-C / SIGTERM: startup stops waiting and everything started is stopped. */
  readonly signal: AbortSignal;
  readonly readyTimeoutMs?: number;
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
 * Starts `specs` in order, each ready before the next starts. On any failure everything started
 * so far is stopped and the error thrown: a death or a readiness timeout as UserError (exit 1).
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

  const stopAll = async (): Promise<void> => {
    stopping = true;
    for (const child of [...processes].reverse()) await child.stop(STOP_GRACE_MS);
  };

  for (const spec of specs) {
    const child = startProcess({
      name: spec.name,
      command: spec.command,
      args: spec.args,
      env: { ...options.baseEnv, ...spec.env },
      onLine: (line) => options.writeLine(prefix(spec.name, line)),
    });
    processes.push(child);
    void child.exited.then((exit) => {
      if (!stopping) reportDeath({ name: spec.name, exit, lastLines: child.recentOutput() });
    });
    options.onStarted?.(spec, child);
    const died = child.exited.then((exit) => ({ name: spec.name, exit, lastLines: child.recentOutput() }));
    // why: the readiness poll must end as soon as the race is lost, or it keeps the CLI alive until its timeout.
    const stopWaiting = new AbortController();
    const ready = waitForHttp(spec.readyUrl, {
      what: `${spec.name} on ${spec.readyUrl}`,
      timeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS,
      intervalMs: 200,
      signal: stopWaiting.signal,
    }).then(() => "ready" as const);
    ready.catch(() => undefined);
    try {
      const outcome = await Promise.race([ready, died, aborted]);
      if (outcome !== "ready") throw childDeathError(outcome);
    } catch (error) {
      stopWaiting.abort();
      await stopAll();
      if (error instanceof Error && error.message.startsWith("timed out")) {
        throw new UserError(`${spec.name} did not become ready: ${error.message}; the native stack was stopped.`, child.recentOutput().slice(-REPORTED_LINES).map((line) => `${spec.name} | ${line}`), 1);
      }
      throw error;
    }
  }
  return { processes, firstDeath, stopAll };
}
