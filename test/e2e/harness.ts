/**
 * Runs the real CLI against real processes in a throw-away working directory: its own .env with
 * free ports and a 1 s scrape interval, its own `build/`, stack registry and data folders
 * (XDG_STATE_HOME). `cli()` runs in this process through `main()`; `spawnCli()` starts a real
 * process for a foreground supervisor. `cleanup()` always stops whatever the stack recorded.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findFreePorts, startProcess, waitUntil } from "../../src/process/index.js";
import { isAlive, listStacks } from "../../src/stack/registry.js";
import { cliCommand, compiledCliEnv, runCli } from "../helpers/cli.js";

export interface CliResult {
  readonly code: number;
  readonly output: string;
}

export interface E2ePorts {
  readonly prometheus: number;
  readonly nodeExporter: number;
  readonly alertmanager: number;
  readonly simulator: number;
  readonly simulatorGpu: number;
  readonly grafana: number;
}

export interface Workspace {
  readonly dir: string;
  readonly envFile: string;
  readonly ports: E2ePorts;
  readonly prometheusUrl: string;
  /** The environment every CLI call of this workspace gets (its own registry among it). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Runs `vllm-monitor <args>` to completion in the workspace, in this process. */
  cli(args: readonly string[], options?: { env?: NodeJS.ProcessEnv; cwd?: string }): Promise<CliResult>;
  /** Starts `vllm-monitor <args>` without waiting for it (the foreground supervisor). */
  spawnCli(args: readonly string[]): ReturnType<typeof startProcess>;
  /** Runs `vllm-monitor <args>` to completion as a real process: for tests that run side by side (in-process calls must not overlap). */
  runCliProcess(args: readonly string[], options?: { env?: Readonly<Record<string, string>> }): Promise<CliResult>;
  /** Pids of the supervisor and its children as recorded in the registry (empty when none). */
  recordedPids(): number[];
  writeEnv(variables: Readonly<Record<string, string>>): void;
  cleanup(): Promise<void>;
}

export async function createWorkspace(variables: Readonly<Record<string, string>> = {}): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), "vllm-monitor-e2e-"));
  const [prometheus, nodeExporter, alertmanager, simulator, simulatorGpu, grafana] = (await findFreePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ports = { prometheus, nodeExporter, alertmanager, simulator, simulatorGpu, grafana };
  const envFile = join(dir, ".env");
  const writeEnv = (extra: Readonly<Record<string, string>>): void => {
    const all: Record<string, string> = {
      PROMETHEUS_PORT: String(prometheus),
      NODE_EXPORTER_PORT: String(nodeExporter),
      ALERTMANAGER_PORT: String(alertmanager),
      SIMULATOR_PORT: String(simulator),
      SIMULATOR_GPU_PORT: String(simulatorGpu),
      GRAFANA_PORT: String(grafana),
      SCRAPE_INTERVAL: "1s",
      ADMIN_PASSWORD: "e2e-admin-password",
      ...extra,
    };
    writeFileSync(
      envFile,
      Object.entries(all)
        .map(([name, value]) => `${name}=${value}\n`)
        .join(""),
      { mode: 0o600 },
    );
  };
  writeEnv(variables);
  // The tests' own environment must not leak into the stack (e.g. a developer's VLLM_TARGET); the registry is the workspace's own.
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    ...compiledCliEnv(),
    XDG_STATE_HOME: join(dir, "state"),
  };

  const recordedPids = (): number[] =>
    listStacks(env).flatMap((state) =>
      state.kind === "native" ? [state.supervisorPid, ...state.processes.map((child) => child.pid)] : [],
    );

  const cli = async (args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> => {
    const run = await runCli(args, { cwd: options.cwd ?? dir, env: { ...env, ...options.env } });
    return { code: run.code, output: run.output };
  };

  const spawnCli = (args: readonly string[]) => {
    const { command, args: full } = cliCommand(args);
    return startProcess({ name: "vllm-monitor", command, args: full, cwd: dir, env });
  };

  const runCliProcess = async (args: readonly string[], options: { env?: Readonly<Record<string, string>> } = {}): Promise<CliResult> => {
    const { command, args: full } = cliCommand(args);
    const output: string[] = [];
    const child = startProcess({
      name: "vllm-monitor",
      command,
      args: full,
      cwd: dir,
      env: { ...env, ...options.env },
      onLine: (line) => output.push(line),
    });
    const exit = await child.exited;
    return { code: exit.code ?? 1, output: output.join("\n") };
  };

  const cleanup = async (): Promise<void> => {
    const pids = recordedPids();
    if (pids.length > 0) await cli(["down"]).catch(() => undefined);
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };

  return {
    dir,
    envFile,
    env,
    ports,
    prometheusUrl: `http://127.0.0.1:${prometheus}`,
    cli,
    spawnCli,
    runCliProcess,
    recordedPids,
    writeEnv,
    cleanup,
  };
}

export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

interface ApiBody {
  readonly status: string;
  readonly error?: string;
  readonly data?: {
    readonly resultType: string;
    readonly result: readonly { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[];
  };
}

async function api(url: string): Promise<NonNullable<ApiBody["data"]>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as ApiBody;
  if (body.status !== "success" || body.data === undefined) throw new Error(`Prometheus: ${body.error ?? response.status} for ${url}`);
  return body.data;
}

/** Instant query (optionally at `time`, seconds since the epoch); vector samples as numbers. */
export async function query(prometheusUrl: string, expr: string, time?: number): Promise<PromSample[]> {
  const at = time === undefined ? "" : `&time=${time}`;
  const data = await api(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}${at}`);
  if (data.resultType === "scalar") return [];
  return data.result.map((item) => ({ metric: item.metric, value: Number(item.value?.[1]) }));
}

/** Every value of a range query, all series flattened. */
export async function queryRangeValues(prometheusUrl: string, expr: string, start: number, end: number, step: number): Promise<number[]> {
  const data = await api(`${prometheusUrl}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${start}&end=${end}&step=${step}`);
  return data.result.flatMap((item) => (item.values ?? []).map(([, value]) => Number(value)));
}

export async function waitForQuery(
  prometheusUrl: string,
  expr: string,
  accept: (samples: PromSample[]) => boolean,
  timeoutMs = 60_000,
): Promise<PromSample[]> {
  let last: PromSample[] = [];
  try {
    await waitUntil(
      async () => {
        last = await query(prometheusUrl, expr);
        return accept(last);
      },
      { what: expr, timeoutMs, intervalMs: 500 },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last result: ${JSON.stringify(last)}`);
  }
  return last;
}

/** True when something exists at `path` (a file or folder). */
export function exists(path: string): boolean {
  return existsSync(path);
}
