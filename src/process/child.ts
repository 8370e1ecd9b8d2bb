import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface StartOptions {
  /** Short name used in log prefixes and error messages, e.g. "prometheus". */
  readonly name: string;
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Called with each line the process writes to stdout or stderr. */
  readonly onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Start in its own process group (survives our exit; used by --detach). */
  readonly detached?: boolean;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<ExitInfo>;
  /** The last lines of output, for error messages when the process dies. */
  recentOutput(): string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<ExitInfo>;
}

const KEPT_LINES = 50;

/** Spawns a process whose output is captured line by line and which can always be stopped. */
export function startProcess(options: StartOptions): ManagedProcess {
  const child = spawn(options.command, [...(options.args ?? [])], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  const lines: string[] = [];
  const keep = (stream: "stdout" | "stderr") => (line: string) => {
    lines.push(line);
    if (lines.length > KEPT_LINES) lines.shift();
    options.onLine?.(line, stream);
  };
  if (child.stdout) createInterface({ input: child.stdout }).on("line", keep("stdout"));
  if (child.stderr) createInterface({ input: child.stderr }).on("line", keep("stderr"));

  const exited = new Promise<ExitInfo>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", (error) => {
      lines.push(`failed to start ${options.command}: ${error.message}`);
      resolve({ code: null, signal: null });
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });

  return {
    name: options.name,
    pid: child.pid ?? -1,
    child,
    exited,
    recentOutput: () => [...lines],
    async stop(graceMs = 5_000) {
      if (!done) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => {
          if (!done) child.kill("SIGKILL");
        }, graceMs);
        const info = await exited;
        clearTimeout(timer);
        return info;
      }
      return exited;
    },
  };
}
