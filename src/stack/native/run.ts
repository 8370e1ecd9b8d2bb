/**
 * The native stack: Prometheus, optional node_exporter / Alertmanager / Grafana, and the simulator
 * in demo mode, as plain processes supervised by this CLI. Foreground by default; `--detach` re-runs
 * the supervisor in the background. It records itself in the registry, so `status`, `logs`,
 * `reload` and `down` find it from any folder.
 */
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { ensurePrivateFolder } from "../../render/private-files.js";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stackNotes, type Settings } from "../../config/load.js";
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
import { defaultRetentionSize } from "./retention.js";
import { headersUnsupportedBy } from "../../config/remote-write-headers.js";
import { legacyPrometheusData, nativePaths, recordedNativePaths, runLogFile, type NativePaths } from "./paths.js";
import { pruneRunLogs } from "./run-logs.js";
import { plannedServices, planNativeProcesses, type ProcessSpec } from "./plan.js";
import { selfInvocation } from "./self.js";
import {
  ChildDeathError,
  checkPortsFree,
  childDeathError,
  describeExit,
  isStartupAborted,
  startSupervised,
  type ChildDeath,
  type Supervised,
} from "./supervisor.js";
import { forgetStack, isAlive, readStack, recordStack, type NativeState } from "../registry.js";
import { print, printError } from "../../output.js";
import { alertingConfigured } from "../../config/alert-destinations.js";
import { ALERTMANAGER_LAYOUT } from "../../alerting/render.js";
import { alertmanagerVersion, type KnownAlertmanager } from "./alertmanager-version.js";
import { lockStack, type StackLock } from "../lock.js";

export interface NativeStackOptions {
  readonly settings: Settings;
  readonly outDir: string;
  /** Run the supervisor in the background and return once every process is ready. */
  readonly detach?: boolean;
  /** We are that background supervisor: stdout already is the log file. */
  readonly detachedChild?: boolean;
  /** The working folder (DATA_DIR is relative to it, the default data folder named after it); default the current directory. */
  readonly cwd?: string;
}

const STOP_TIMEOUT_MS = 60_000;
/** A child that exits within this long after Ctrl-C got the same signal from the terminal: not a death. */
const SIGNAL_SETTLE_MS = 500;

function pathsOf(options: Pick<NativeStackOptions, "cwd" | "outDir" | "settings">): NativePaths {
  const { settings } = options;
  return nativePaths(options.cwd ?? process.cwd(), options.outDir, { dataDir: settings.env.DATA_DIR, demo: settings.demo });
}

/** Refuses a second stack on the same output folder. */
function refuseIfRunning(paths: NativePaths): void {
  const state = readStack(paths.outDir);
  if (state === undefined) return;
  // why: a detached supervisor finds the record its parent wrote for it before it started.
  if (state.kind === "native" && state.supervisorPid === process.pid) return;
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
  "Grafana is not installed here, so the built-in viewer serves the dashboards at http://127.0.0.1:VIEWER (Perses; install Grafana or set GRAFANA_HOME for Grafana instead). " +
  "From another machine: ssh -N -L VIEWER:127.0.0.1:VIEWER you@this-host, then open http://localhost:VIEWER";

function agentNote(settings: Settings, version: PrometheusVersion | undefined): string {
  return (
    `agent mode (Prometheus ${version?.text ?? "?"}): scraping and forwarding to ${settings.env.REMOTE_WRITE_URL ?? "?"}; no local queries, rules, Alertmanager or Grafana. ` +
    "Point Grafana at the central store, and run the rules there (vllm-monitor conf rules; README, Fleet)"
  );
}

/** `up --native`: renders the configs and runs the stack until Ctrl-C / SIGTERM / `down`, or a child dies. */
export async function startNativeStack(options: NativeStackOptions): Promise<void> {
  const paths = pathsOf(options);
  // why: the lock covers "is one running?" until this run is recorded, so two `up`s cannot both pass; a detached child's parent holds it.
  const lock =
    options.detachedChild === true
      ? undefined
      : await lockStack(paths.outDir, options.detach === true ? "up --native --detach" : "up --native");
  try {
    await startLocked(options, paths, lock);
  } finally {
    lock?.release();
  }
}

async function startLocked(options: NativeStackOptions, paths: NativePaths, lock: StackLock | undefined): Promise<void> {
  const { settings } = options;
  refuseIfRunning(paths);
  const binaries = locateBinaries(settings);
  const agent = settings.env.PROMETHEUS_MODE === "agent";
  const admin = binaries.grafana === undefined || agent ? undefined : grafanaAdmin(settings);
  const sendsHeaders = Object.keys(settings.env.REMOTE_WRITE_HEADERS ?? {}).length > 0 && settings.env.REMOTE_WRITE_URL !== undefined;
  const prometheusVersion =
    agent || sendsHeaders
      ? await binaryVersion(binaries.prometheus.path, binaries.prometheus.source === "PATH" ? "PROMETHEUS_BIN" : binaries.prometheus.source)
      : undefined;
  const headersProblem = sendsHeaders && prometheusVersion !== undefined ? headersUnsupportedBy(prometheusVersion.text) : undefined;
  if (headersProblem !== undefined) {
    throw new UserError(`REMOTE_WRITE_HEADERS is set, but ${headersProblem}.`, [
      `install Prometheus from https://prometheus.io/download/ and point PROMETHEUS_BIN at it (this one: ${binaries.prometheus.path})`,
      "or run the compose stack (its upstream image sends them), or empty REMOTE_WRITE_HEADERS",
    ]);
  }
  const cli = selfInvocation();
  if (!agent && alertingConfigured(settings.env) && binaries.alertmanager === undefined) {
    throw new UserError(
      "Alerts have a destination in .env (ALERT_*), but Alertmanager is not installed, so no notification could be sent.",
      [
        "Debian/Ubuntu: sudo apt-get install prometheus-alertmanager (then `sudo systemctl disable --now prometheus-alertmanager` if you do not want the system service)",
        "any Linux: the tarball from https://prometheus.io/download/; put `alertmanager` on PATH or set ALERTMANAGER_BIN",
        "or empty every ALERT_* destination to run without notifications",
      ],
    );
  }
  // why: asked before anything starts, so a secret this version cannot keep in a file stops `up` with nothing half-started.
  const knownAlertmanager = binaries.alertmanager === undefined || agent ? undefined : await alertmanagerVersion(binaries.alertmanager);
  const specs = planNativeProcesses({
    binaries,
    settings,
    paths,
    cli,
    alertmanagerConfig: join(paths.outDir, ALERTMANAGER_LAYOUT.config),
    ...(admin === undefined ? {} : { grafanaAdmin: admin.admin }),
    ...(prometheusVersion === undefined ? {} : { prometheusVersion }),
    retentionSize: settings.env.PROMETHEUS_RETENTION_SIZE ?? defaultRetentionSize(paths.prometheusData),
  });

  if (options.detachedChild !== true) {
    const notes = [...stackNotes(settings), ...(admin?.note === undefined ? [] : [admin.note])];
    if (agent) notes.push(agentNote(settings, prometheusVersion));
    else if (binaries.grafana === undefined) notes.push(NO_GRAFANA_NOTE.replaceAll("VIEWER", String(nativePort("grafana", settings))));
    const migration = legacyDataNote(paths);
    if (migration !== undefined) notes.push(migration);
    for (const note of notes) printError(`vllm-monitor: note: ${note}\n`);
  }
  await checkPortsFree(specs, LISTEN_HOST);
  if (options.detach === true) {
    const childArgs = ["up", "--native", "--detached-child", "--out", paths.outDir];
    if (settings.envFile.found) childArgs.push("--env-file", settings.envFile.path);
    let childPid: number | undefined;
    let pid: number;
    try {
      pid = await startDetached(
        cli,
        childArgs,
        paths,
        () => readStack(paths.outDir),
        (spawned) => {
          childPid = spawned;
          // why: recorded before the child starts anything, so `down` meanwhile finds and stops it.
          recordStack(initialState(settings, paths, spawned));
          lock?.release();
        },
      );
    } catch (error) {
      // A child that died before it could clean up leaves the record written for it.
      const left = readStack(paths.outDir);
      if (left?.kind === "native" && left.supervisorPid === childPid && !isAlive(left.supervisorPid) && left.phase !== "failed")
        forgetStack(paths.outDir);
      throw error;
    }
    const started = readStack(paths.outDir);
    print(summary(started?.kind === "native" ? started : undefined, pid, runLogFile(paths, pid)));
    return;
  }
  await runSupervisor(options, paths, { specs, alertmanager: knownAlertmanager, lock });
}

/**
 * One line when an older version's TSDB sits in the working folder: it is no longer read, and is not
 * moved for the user (it mixes demo and real series, and may be large).
 */
function legacyDataNote(paths: NativePaths): string | undefined {
  const legacy = legacyPrometheusData(paths.workDir);
  if (!existsSync(legacy) || legacy === paths.prometheusData) return undefined;
  return `${legacy} holds an older vllm-monitor's Prometheus data, which is no longer read; this stack keeps its data in ${paths.prometheusData} (to keep the old history: vllm-monitor down, then move the folder there; or delete it)`;
}

/** The record of a stack that is starting: written before any process starts. */
function initialState(settings: Settings, paths: NativePaths, supervisorPid: number): NativeState {
  return {
    kind: "native",
    supervisorPid,
    phase: "starting",
    startedAt: new Date().toISOString(),
    demo: settings.demo,
    outDir: paths.outDir,
    envFile: settings.envFile.path,
    workDir: paths.workDir,
    dataDir: paths.stateDir,
    logFile: runLogFile(paths, supervisorPid),
    prometheusUrl: `http://${LISTEN_HOST}:${nativePort("prometheus", settings)}`,
    prometheusMode: settings.env.PROMETHEUS_MODE,
    ...(settings.env.REMOTE_WRITE_URL === undefined ? {} : { remoteWriteUrl: settings.env.REMOTE_WRITE_URL }),
    processes: [],
  };
}

interface SupervisorInput {
  readonly specs: ProcessSpec[];
  /** The installed Alertmanager's version, when it runs. */
  readonly alertmanager?: KnownAlertmanager | undefined;
  /** Released once this run is recorded. */
  readonly lock?: StackLock | undefined;
}

async function runSupervisor(options: NativeStackOptions, paths: NativePaths, input: SupervisorInput): Promise<void> {
  const { settings } = options;
  const stopRequest = new AbortController();
  const onSignal = (): void => stopRequest.abort();
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, onSignal);
  ensurePrivateFolder(paths.stateDir);
  pruneRunLogs(paths.stateDir);
  // why: `vllm-monitor logs` reads this file; a detached supervisor's stdout already is it.
  const logFile = runLogFile(paths, process.pid);
  if (options.detachedChild !== true) writeFileSync(logFile, "", { mode: 0o644 });
  const writeLine = (text: string): void => {
    print(`${text}\n`);
    if (options.detachedChild !== true) appendFileSync(logFile, `${text}\n`);
  };

  const state: NativeState = initialState(settings, paths, process.pid);
  // why: a failed start removes only an output folder this run created, never one that was there before.
  const createdOutDir = !existsSync(paths.outDir);
  let reachedRunning = false;
  const record = (next: Partial<NativeState>): void => {
    Object.assign(state, next);
    recordStack(state);
  };

  let death: ChildDeath | undefined;
  try {
    record({});
    input.lock?.release();
    const runs = (name: ProcessSpec["name"]): boolean => input.specs.some((spec) => spec.name === name);
    ensurePrivateFolder(settings.env.PROMETHEUS_MODE === "agent" ? paths.prometheusAgentData : paths.prometheusData);
    if (runs("alertmanager")) ensurePrivateFolder(paths.alertmanagerData);
    if (runs("grafana")) ensurePrivateFolder(paths.grafanaData);
    await renderNativeConfig(settings, paths.outDir, input.specs, input.alertmanager);

    let supervised: Supervised;
    try {
      supervised = await startSupervised(input.specs, {
        baseEnv: process.env,
        writeLine,
        signal: stopRequest.signal,
        onStarted: (spec, child: ManagedProcess) =>
          record({
            processes: [
              ...state.processes,
              { name: spec.name, pid: child.pid, command: spec.command, ports: spec.ports.map((use) => ({ ...use })) },
            ],
          }),
        onRestarted: (spec, child, info) =>
          record({
            processes: state.processes.map((entry) =>
              entry.name === spec.name ? { ...entry, ...(child === undefined ? {} : { pid: child.pid }), ...info } : entry,
            ),
          }),
      });
    } catch (error) {
      if (isStartupAborted(error)) return;
      if (error instanceof ChildDeathError) death = error.death;
      throw error;
    }
    record({ phase: "running" });
    reachedRunning = true;
    writeLine(summary(state, process.pid, logFile).trimEnd());

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
    if (createdOutDir || reachedRunning) await removeOutputTree(paths.outDir).catch(() => false);
    if (death === undefined) forgetStack(paths.outDir);
    // why: `status` names the child that died, with its last lines, after the supervisor is gone.
    else
      record({
        phase: "failed",
        failure: {
          name: death.name,
          how: describeExit(death.exit),
          at: new Date().toISOString(),
          lastLines: [...death.lastLines].slice(-15),
        },
      });
    for (const signal of signals) process.off(signal, onSignal);
  }
}

/** Renders prometheus.yml, secrets, targets, rules and Grafana provisioning for the processes planned. */
export async function renderNativeConfig(
  settings: Settings,
  outDir: string,
  specs: readonly ProcessSpec[],
  alertmanager?: KnownAlertmanager,
): Promise<void> {
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
    ...(alertmanager === undefined ? {} : { alertmanagerVersion: alertmanager }),
  });
}

function summary(state: NativeState | undefined, pid: number, logs: string): string {
  const lines = [
    `vllm-monitor: the native stack is running (supervisor pid ${pid}${state?.demo === true ? ", demo mode with the simulator" : ""})`,
  ];
  for (const child of state?.processes ?? []) {
    lines.push(
      `  ${child.name.padEnd(14)} pid ${String(child.pid).padEnd(8)} ${child.ports.map((use) => `http://${LISTEN_HOST}:${use.port}`).join(" ")}`,
    );
  }
  if (state !== undefined) lines.push(`  data: ${recordedNativePaths(state).prometheusData} (DATA_DIR)`);
  lines.push(
    `  logs: ${logs} (vllm-monitor logs) · status: vllm-monitor status · apply .env changes: vllm-monitor reload · stop: vllm-monitor down`,
  );
  return `${lines.join("\n")}\n`;
}

/** `down` for a native stack: stops the supervisor (which stops its children and deletes the rendered files). */
export async function stopNativeStack(state: NativeState): Promise<void> {
  // why: a failed stack's supervisor has exited and stopped its children; its pids may belong to others by now.
  if (state.phase === "failed") {
    await removeOutputTree(state.outDir).catch(() => false);
    forgetStack(state.outDir);
    print(
      `vllm-monitor: cleared the record of the native stack that stopped when ${state.failure?.name ?? "a process"} ${state.failure?.how ?? "died"}\n`,
    );
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
  const paths = recordedNativePaths(state);
  const kept =
    state.prometheusMode === "agent"
      ? `the agent's write-ahead log (unsent samples) kept in ${paths.prometheusAgentData}`
      : `Prometheus data kept in ${paths.prometheusData}`;
  print(`vllm-monitor: the native stack is stopped (${kept})\n`);
}
