/**
 * The native stack: Prometheus, optional node_exporter / Alertmanager / Grafana, and the simulator
 * in demo mode, as plain processes supervised by this CLI. Foreground by default; `--detach` re-runs
 * the supervisor in the background. `stopNativeStack` and `nativeStatus` work from its state file.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.js";
import type { ManagedProcess } from "../process/index.js";
import { locateBinaries } from "./native/binaries.js";
import { loadNativeConfig, renderNativeConfig, type NativeConfig } from "./native/config.js";
import { startDetached } from "./native/detach.js";
import { mergedEnvironment } from "./native/env.js";
import { removeRenderedFiles } from "./native/output.js";
import { nativePaths, type NativePaths } from "./native/paths.js";
import { LISTEN_HOST, planNativeProcesses, type ProcessSpec } from "./native/plan.js";
import { selfInvocation } from "./native/self.js";
import { nativePorts } from "./native/settings.js";
import { collectNativeStatus, type NativeStatus } from "./native/status.js";
import { isAlive, readState, removeState, writeState, type NativeState } from "./native/state.js";
import { checkPortsFree, childDeathError, isStartupAborted, startSupervised, type Supervised } from "./native/supervisor.js";

export interface NativeStackOptions {
  readonly envFile: string;
  readonly outDir: string;
  /** Run the supervisor in the background and return once Prometheus is ready. */
  readonly detach?: boolean;
  /** Where `.vllm-monitor/` lives; default the current directory. */
  readonly cwd?: string;
}

const STOP_TIMEOUT_MS = 60_000;
/** A child that exits within this long after Ctrl-C got the same signal from the terminal: not a death. */
const SIGNAL_SETTLE_MS = 500;

function pathsOf(options: NativeStackOptions): NativePaths {
  return nativePaths(options.cwd ?? process.cwd(), options.outDir);
}

/** The repository's committed Alertmanager config, else a minimal one rendered into the output folder. */
function alertmanagerConfigFile(outDir: string): { readonly path: string; readonly render: boolean } {
  const committed = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "alertmanager", "alertmanager.yml");
  if (existsSync(committed)) return { path: committed, render: false };
  return { path: join(outDir, "alertmanager", "alertmanager.yml"), render: true };
}

function writeMinimalAlertmanagerConfig(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  // why: alerts stay visible in Alertmanager's UI; a receiver with no destination sends nothing.
  writeFileSync(path, "route:\n  receiver: default\nreceivers:\n  - name: default\n", { mode: 0o600 });
}

function refuseIfRunning(paths: NativePaths): void {
  const state = readState(paths.stateFile);
  if (state === undefined) return;
  if (isAlive(state.supervisorPid)) {
    throw new UserError(`The native stack is already running (supervisor pid ${state.supervisorPid}).`, [
      "see it with: vllm-monitor status",
      "stop it with: vllm-monitor down",
    ]);
  }
  const leftovers = state.processes.filter((child) => isAlive(child.pid));
  if (leftovers.length > 0) {
    throw new UserError("A native stack that did not stop cleanly left processes running.", [
      ...leftovers.map((child) => `${child.name} (pid ${child.pid})`),
      "stop them with: vllm-monitor down",
    ]);
  }
  removeState(paths.stateFile);
}

/** `up --native`: renders the configs and runs the stack until Ctrl-C / SIGTERM / `down`, or a child dies. */
export async function startNativeStack(options: NativeStackOptions): Promise<void> {
  const paths = pathsOf(options);
  refuseIfRunning(paths);
  const env = mergedEnvironment(options.envFile);
  const binaries = locateBinaries(env);
  const config = loadNativeConfig(options.envFile, binaries.grafana !== undefined);
  const ports = nativePorts(env);
  const cli = selfInvocation();

  for (const note of config.notes) process.stderr.write(`vllm-monitor: note: ${note}\n`);
  if (options.detach === true) {
    const upArgs = ["up", "--native", "--env-file", resolve(options.envFile), "--out", paths.outDir];
    const pid = await startDetached(cli, upArgs, paths);
    const state = readState(paths.stateFile);
    process.stdout.write(summary(state, pid, paths.logFile));
    return;
  }

  const alertmanagerConfig = alertmanagerConfigFile(paths.outDir);
  const specs = planNativeProcesses({
    binaries,
    ports,
    paths,
    demo: config.demo,
    cli,
    alertmanagerConfig: alertmanagerConfig.path,
    grafanaAdmin: config.grafanaAdmin,
  });
  await checkPortsFree(specs, LISTEN_HOST);
  await runSupervisor(options, paths, { ports, specs, config, renderAlertmanagerConfig: alertmanagerConfig.render ? alertmanagerConfig.path : undefined });
}

interface SupervisorInput {
  readonly ports: ReturnType<typeof nativePorts>;
  readonly specs: ProcessSpec[];
  readonly config: NativeConfig;
  /** Set when no committed Alertmanager config exists and a minimal one must be written here. */
  readonly renderAlertmanagerConfig?: string;
}

async function runSupervisor(options: NativeStackOptions, paths: NativePaths, input: SupervisorInput): Promise<void> {
  const stopRequest = new AbortController();
  const onSignal = (): void => stopRequest.abort();
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, onSignal);
  const writeLine = (text: string): void => {
    process.stdout.write(`${text}\n`);
  };

  const state: NativeState = {
    supervisorPid: process.pid,
    phase: "starting",
    startedAt: new Date().toISOString(),
    demo: input.config.demo,
    outDir: paths.outDir,
    envFile: resolve(options.envFile),
    prometheusUrl: `http://${LISTEN_HOST}:${input.ports.prometheus}`,
    processes: [],
  };
  const record = (next: Partial<NativeState>): void => {
    Object.assign(state, next);
    writeState(paths.stateFile, state);
  };

  try {
    record({});
    const runs = (name: ProcessSpec["name"]): boolean => input.specs.some((spec) => spec.name === name);
    mkdirSync(paths.prometheusData, { recursive: true });
    if (runs("alertmanager")) mkdirSync(paths.alertmanagerData, { recursive: true });
    if (runs("grafana")) mkdirSync(paths.grafanaData, { recursive: true });
    await renderNativeConfig(input.config.monitor, paths.outDir, input.ports, input.specs);
    if (input.renderAlertmanagerConfig !== undefined && runs("alertmanager")) {
      writeMinimalAlertmanagerConfig(input.renderAlertmanagerConfig);
    }

    let supervised: Supervised;
    try {
      supervised = await startSupervised(input.specs, {
        baseEnv: process.env,
        writeLine,
        signal: stopRequest.signal,
        onStarted: (spec, child: ManagedProcess) =>
          record({ processes: [...state.processes, { name: spec.name, pid: child.pid, command: spec.command, ports: [...spec.ports] }] }),
      });
    } catch (error) {
      if (isStartupAborted(error)) return;
      throw error;
    }
    record({ phase: "running" });
    process.stdout.write(summary(state, process.pid, "this terminal"));

    const stopped = new Promise<"stop">((resolveStop) => {
      if (stopRequest.signal.aborted) resolveStop("stop");
      stopRequest.signal.addEventListener("abort", () => resolveStop("stop"), { once: true });
    });
    const outcome = await Promise.race([supervised.firstDeath, stopped]);
    if (outcome !== "stop") await sleep(SIGNAL_SETTLE_MS);
    record({ phase: "stopping" });
    writeLine("vllm-monitor: stopping the native stack");
    await supervised.stopAll();
    if (outcome !== "stop" && !stopRequest.signal.aborted) throw childDeathError(outcome);
  } finally {
    removeRenderedFiles(paths.outDir);
    removeState(paths.stateFile);
    for (const signal of signals) process.off(signal, onSignal);
  }
}

function summary(state: NativeState | undefined, pid: number, logs: string): string {
  const lines = [`vllm-monitor: the native stack is running (supervisor pid ${pid}${state?.demo === true ? ", demo mode with the simulator" : ""})`];
  for (const child of state?.processes ?? []) {
    lines.push(`  ${child.name.padEnd(14)} pid ${String(child.pid).padEnd(8)} ${child.ports.map((use) => `http://${LISTEN_HOST}:${use.port}`).join(" ")}`);
  }
  lines.push(`  logs: ${logs} · status: vllm-monitor status · stop: vllm-monitor down`);
  return `${lines.join("\n")}\n`;
}

/** `down --native`: stops the supervisor (which stops its children and deletes the rendered files). */
export async function stopNativeStack(options: NativeStackOptions): Promise<void> {
  const paths = pathsOf(options);
  const state = readState(paths.stateFile);
  if (state === undefined) {
    process.stdout.write("vllm-monitor: the native stack is not running\n");
    removeRenderedFiles(paths.outDir);
    return;
  }
  if (isAlive(state.supervisorPid)) {
    process.kill(state.supervisorPid, "SIGTERM");
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (isAlive(state.supervisorPid) && Date.now() < deadline) await sleep(100);
  }
  // A supervisor killed hard (or too slow) leaves its children: stop them directly.
  for (const pid of [state.supervisorPid, ...state.processes.map((child) => child.pid)]) {
    if (isAlive(pid)) process.kill(pid, "SIGKILL");
  }
  removeRenderedFiles(state.outDir);
  removeRenderedFiles(paths.outDir);
  removeState(paths.stateFile);
  process.stdout.write(`vllm-monitor: the native stack is stopped (Prometheus data kept in ${paths.prometheusData})\n`);
}

/** True when `.vllm-monitor/` records a native stack (running or left behind by a crash). */
export function isNativeStackRecorded(cwd: string = process.cwd()): boolean {
  return readState(nativePaths(cwd, "build").stateFile) !== undefined;
}

/** `status`: what the state file records, which processes live, and every scrape target's health. */
export async function nativeStatus(options: Pick<NativeStackOptions, "outDir" | "cwd">): Promise<NativeStatus> {
  return collectNativeStatus(nativePaths(options.cwd ?? process.cwd(), options.outDir).stateFile);
}
