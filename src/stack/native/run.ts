/**
 * The native stack: Prometheus, optional node_exporter / Alertmanager / Grafana, and the simulator
 * in demo mode, as plain processes supervised by this CLI. Foreground by default; `--detach` re-runs
 * the supervisor in the background. It records itself in the registry, so `status`, `logs`,
 * `reload` and `down` find it from any folder.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { Settings } from "../../config/load.js";
import { nativePort } from "../../config/services.js";
import { UserError } from "../../errors.js";
import type { ManagedProcess } from "../../process/index.js";
import { LISTEN_HOST, gpuExporterService, nativeEndpoints } from "../../render/endpoints.js";
import { removeOutputTree } from "../../render/writer.js";
import { writeStackConfig } from "../configure.js";
import { grafanaAdmin } from "../grafana-admin.js";
import { locateBinaries } from "./binaries.js";
import type { PrometheusVersion } from "../../prometheus/version.js";
import { binaryVersion } from "../prometheus-version.js";
import { startDetached } from "./detach.js";
import { nativePaths, type NativePaths } from "./paths.js";
import { plannedServices, planNativeProcesses, type ProcessSpec } from "./plan.js";
import { selfInvocation } from "./self.js";
import { ChildDeathError, checkPortsFree, childDeathError, describeExit, isStartupAborted, startSupervised, type ChildDeath, type Supervised } from "./supervisor.js";
import { forgetStack, isAlive, readStack, recordStack, type NativeState } from "../registry.js";
import { print, printError } from "../../output.js";

export interface NativeStackOptions {
  readonly settings: Settings;
  readonly outDir: string;
  /** Run the supervisor in the background and return once every process is ready. */
  readonly detach?: boolean;
  /** We are that background supervisor: stdout already is the log file. */
  readonly detachedChild?: boolean;
  /** Where `.vllm-monitor/` lives; default the current directory. */
  readonly cwd?: string;
}

const STOP_TIMEOUT_MS = 60_000;
/** A child that exits within this long after Ctrl-C got the same signal from the terminal: not a death. */
const SIGNAL_SETTLE_MS = 500;

function pathsOf(options: Pick<NativeStackOptions, "cwd" | "outDir">): NativePaths {
  return nativePaths(options.cwd ?? process.cwd(), options.outDir);
}

/** The repository's committed Alertmanager config, else a minimal one rendered into the output folder. */
function alertmanagerConfigFile(outDir: string): { readonly path: string; readonly render: boolean } {
  const committed = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "alertmanager", "alertmanager.yml");
  if (existsSync(committed)) return { path: committed, render: false };
  return { path: join(outDir, "alertmanager", "alertmanager.yml"), render: true };
}

function writeMinimalAlertmanagerConfig(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  // why: alerts stay visible in Alertmanager's UI; a receiver with no destination sends nothing.
  writeFileSync(path, "route:\n  receiver: default\nreceivers:\n  - name: default\n", { mode: 0o600 });
}

/** Refuses a second stack on the same output folder, or on the same `.vllm-monitor/` data. */
function refuseIfRunning(paths: NativePaths): void {
  const state = readStack(paths.outDir);
  if (state === undefined) return;
  if (state.kind === "compose") {
    throw new UserError(`The compose stack uses ${state.outDir}.`, ["stop it with: vllm-monitor down, or pass another --out"]);
  }
  if (isAlive(state.supervisorPid)) {
    throw new UserError(`The native stack is already running (supervisor pid ${state.supervisorPid}, --out ${state.outDir}).`, [
      "see it with: vllm-monitor status",
      "apply a .env change with: vllm-monitor reload",
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
  forgetStack(paths.outDir);
}

const NO_GRAFANA_NOTE =
  "Grafana is not installed here, so no dashboards are served. Either install Grafana (or set GRAFANA_HOME to an unpacked release) and start again, " +
  "or import dashboards/*.json into a Grafana you already have and reach this Prometheus through an SSH tunnel: ssh -N -L 9090:127.0.0.1:PORT you@this-host";

function agentNote(settings: Settings, version: PrometheusVersion | undefined): string {
  return (
    `agent mode (Prometheus ${version?.text ?? "?"}): scraping and forwarding to ${settings.env.REMOTE_WRITE_URL ?? "?"}; no local queries, rules, Alertmanager or Grafana. ` +
    "Point Grafana at the central store, and run the rules there (vllm-monitor conf rules; README, Fleet)"
  );
}

/** `up --native`: renders the configs and runs the stack until Ctrl-C / SIGTERM / `down`, or a child dies. */
export async function startNativeStack(options: NativeStackOptions): Promise<void> {
  const { settings } = options;
  const paths = pathsOf(options);
  refuseIfRunning(paths);
  const binaries = locateBinaries(settings);
  const agent = settings.env.PROMETHEUS_MODE === "agent";
  const admin = binaries.grafana === undefined || agent ? undefined : grafanaAdmin(settings);
  const prometheusVersion = agent ? await binaryVersion(binaries.prometheus.path, binaries.prometheus.source === "PATH" ? "PROMETHEUS_BIN" : binaries.prometheus.source) : undefined;
  const cli = selfInvocation();
  const alertmanagerConfig = alertmanagerConfigFile(paths.outDir);
  const specs = planNativeProcesses({
    binaries,
    settings,
    paths,
    cli,
    alertmanagerConfig: alertmanagerConfig.path,
    ...(admin === undefined ? {} : { grafanaAdmin: admin.admin }),
    ...(prometheusVersion === undefined ? {} : { prometheusVersion }),
  });

  if (options.detachedChild !== true) {
    const notes = [...settings.notes, ...(admin?.note === undefined ? [] : [admin.note])];
    if (agent) notes.push(agentNote(settings, prometheusVersion));
    else if (binaries.grafana === undefined) notes.push(NO_GRAFANA_NOTE.replace("PORT", String(nativePort("prometheus", settings))));
    for (const note of notes) printError(`vllm-monitor: note: ${note}\n`);
  }
  await checkPortsFree(specs, LISTEN_HOST);
  if (options.detach === true) {
    const childArgs = ["up", "--native", "--detached-child", "--out", paths.outDir];
    if (settings.envFile.found) childArgs.push("--env-file", settings.envFile.path);
    const pid = await startDetached(cli, childArgs, paths, () => readStack(paths.outDir));
    const started = readStack(paths.outDir);
    print(summary(started?.kind === "native" ? started : undefined, pid, paths.logFile));
    return;
  }
  await runSupervisor(options, paths, { specs, renderAlertmanagerConfig: alertmanagerConfig.render ? alertmanagerConfig.path : undefined });
}

interface SupervisorInput {
  readonly specs: ProcessSpec[];
  /** Set when no committed Alertmanager config exists and a minimal one must be written here. */
  readonly renderAlertmanagerConfig?: string | undefined;
}

async function runSupervisor(options: NativeStackOptions, paths: NativePaths, input: SupervisorInput): Promise<void> {
  const { settings } = options;
  const stopRequest = new AbortController();
  const onSignal = (): void => stopRequest.abort();
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, onSignal);
  mkdirSync(paths.stateDir, { recursive: true });
  // why: `vllm-monitor logs` reads this file; a detached supervisor's stdout already is it.
  if (options.detachedChild !== true) writeFileSync(paths.logFile, "", { mode: 0o644 });
  const writeLine = (text: string): void => {
    print(`${text}\n`);
    if (options.detachedChild !== true) appendFileSync(paths.logFile, `${text}\n`);
  };

  const state: NativeState = {
    kind: "native",
    supervisorPid: process.pid,
    phase: "starting",
    startedAt: new Date().toISOString(),
    demo: settings.demo,
    outDir: paths.outDir,
    envFile: settings.envFile.path,
    workDir: paths.workDir,
    logFile: paths.logFile,
    prometheusUrl: `http://${LISTEN_HOST}:${nativePort("prometheus", settings)}`,
    prometheusMode: settings.env.PROMETHEUS_MODE,
    ...(settings.env.REMOTE_WRITE_URL === undefined ? {} : { remoteWriteUrl: settings.env.REMOTE_WRITE_URL }),
    processes: [],
  };
  const record = (next: Partial<NativeState>): void => {
    Object.assign(state, next);
    recordStack(state);
  };

  let death: ChildDeath | undefined;
  try {
    record({});
    const runs = (name: ProcessSpec["name"]): boolean => input.specs.some((spec) => spec.name === name);
    mkdirSync(settings.env.PROMETHEUS_MODE === "agent" ? paths.prometheusAgentData : paths.prometheusData, { recursive: true });
    if (runs("alertmanager")) mkdirSync(paths.alertmanagerData, { recursive: true });
    if (runs("grafana")) mkdirSync(paths.grafanaData, { recursive: true });
    await renderNativeConfig(settings, paths.outDir, input.specs);
    if (input.renderAlertmanagerConfig !== undefined && runs("alertmanager")) writeMinimalAlertmanagerConfig(input.renderAlertmanagerConfig);

    let supervised: Supervised;
    try {
      supervised = await startSupervised(input.specs, {
        baseEnv: process.env,
        writeLine,
        signal: stopRequest.signal,
        onStarted: (spec, child: ManagedProcess) =>
          record({ processes: [...state.processes, { name: spec.name, pid: child.pid, command: spec.command, ports: spec.ports.map((use) => ({ ...use })) }] }),
      });
    } catch (error) {
      if (isStartupAborted(error)) return;
      if (error instanceof ChildDeathError) death = error.death;
      throw error;
    }
    record({ phase: "running" });
    writeLine(summary(state, process.pid, paths.logFile).trimEnd());

    const stopped = new Promise<"stop">((resolveStop) => {
      if (stopRequest.signal.aborted) resolveStop("stop");
      stopRequest.signal.addEventListener("abort", () => resolveStop("stop"), { once: true });
    });
    const outcome = await Promise.race([supervised.firstDeath, stopped]);
    if (outcome !== "stop") await sleep(SIGNAL_SETTLE_MS);
    record({ phase: "stopping" });
    writeLine("vllm-monitor: stopping the native stack");
    await supervised.stopAll();
    if (outcome !== "stop" && !stopRequest.signal.aborted) {
      death = outcome;
      throw childDeathError(outcome);
    }
  } finally {
    await removeOutputTree(paths.outDir).catch(() => false);
    if (death === undefined) forgetStack(paths.outDir);
    // why: `status` names the child that died, with its last lines, after the supervisor is gone.
    else record({ phase: "failed", failure: { name: death.name, how: describeExit(death.exit), at: new Date().toISOString(), lastLines: [...death.lastLines].slice(-15) } });
    for (const signal of signals) process.off(signal, onSignal);
  }
}

/** Renders prometheus.yml, secrets, targets, rules and Grafana provisioning for the processes planned. */
export async function renderNativeConfig(settings: Settings, outDir: string, specs: readonly ProcessSpec[]): Promise<void> {
  const running = plannedServices(specs);
  const externalGpu = gpuExporterService(settings);
  if (externalGpu !== undefined) running.add(externalGpu);
  const grafana = specs.find((spec) => spec.name === "grafana");
  const admin = grafana === undefined ? undefined : grafanaAdmin(settings).admin;
  await writeStackConfig(settings, {
    mode: "native",
    outDir,
    endpoints: nativeEndpoints(settings, running),
    part: grafana === undefined ? "prometheus" : "all",
    ...(admin === undefined ? {} : { grafanaAdmin: admin }),
  });
}

function summary(state: NativeState | undefined, pid: number, logs: string): string {
  const lines = [`vllm-monitor: the native stack is running (supervisor pid ${pid}${state?.demo === true ? ", demo mode with the simulator" : ""})`];
  for (const child of state?.processes ?? []) {
    lines.push(`  ${child.name.padEnd(14)} pid ${String(child.pid).padEnd(8)} ${child.ports.map((use) => `http://${LISTEN_HOST}:${use.port}`).join(" ")}`);
  }
  lines.push(`  logs: ${logs} (vllm-monitor logs) · status: vllm-monitor status · apply .env changes: vllm-monitor reload · stop: vllm-monitor down`);
  return `${lines.join("\n")}\n`;
}

/** `down` for a native stack: stops the supervisor (which stops its children and deletes the rendered files). */
export async function stopNativeStack(state: NativeState): Promise<void> {
  // why: a failed stack's supervisor has exited and stopped its children; its pids may belong to others by now.
  if (state.phase === "failed") {
    await removeOutputTree(state.outDir).catch(() => false);
    forgetStack(state.outDir);
    print(`vllm-monitor: cleared the record of the native stack that stopped when ${state.failure?.name ?? "a process"} ${state.failure?.how ?? "died"}\n`);
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
  await removeOutputTree(state.outDir).catch(() => false);
  forgetStack(state.outDir);
  const paths = nativePaths(state.workDir, state.outDir);
  const kept = state.prometheusMode === "agent" ? `the agent's write-ahead log (unsent samples) kept in ${paths.prometheusAgentData}` : `Prometheus data kept in ${paths.prometheusData}`;
  print(`vllm-monitor: the native stack is stopped (${kept})\n`);
}
