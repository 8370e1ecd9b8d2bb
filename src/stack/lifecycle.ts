/**
 * What `up`, `down`, `logs`, `reload` and `status` do, for either kind of stack. The running stack
 * is found in the registry, so these work from any folder; `--out` picks one when several run.
 */
import { lockStack, withStackLock } from "./lock.js";
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadSettings, stackNotes, type Settings } from "../config/load.js";
import { service, servicesOfProcess, type ServiceName } from "../config/services.js";
import { UserError } from "../errors.js";
import { reloadPrometheus } from "../prometheus/client.js";
import { expectedServices, gpuExporterService, nativeEndpoints } from "../render/endpoints.js";
import { composeProfiles } from "../render/compose-env.js";
import { DEFAULT_OUT_DIR } from "../render/layout.js";
import { removeOutputTree } from "../render/writer.js";
import { composeContext, composeDown, composeLogs, composeReload, composeUp, requireCompose } from "./compose/run.js";
import { configureStack, runningNativeStack, writeStackConfig } from "./configure.js";
import { grafanaAdmin } from "./grafana-admin.js";
import { startNativeStack, stopNativeStack } from "./native/run.js";
import {
  describeStacks,
  findStack,
  forgetStack,
  isAlive,
  isLive,
  listStacks,
  liveStacks,
  recordStack,
  stackName,
  type NativeState,
  type StackState,
} from "./registry.js";
import { collectStatus, type StackStatus } from "./status.js";
import { print, printError } from "../output.js";

export interface UpOptions {
  /** Compose only: just these services and what they depend on; all when empty. */
  readonly services: readonly string[];
  readonly outDir: string;
  readonly native: boolean;
  readonly detach: boolean;
  readonly detachedChild: boolean;
  readonly build: boolean;
  readonly logs: boolean;
  readonly composeFile?: string | undefined;
}

/** `up`: the native stack, or the compose one (rendered after the engine answers, then recorded). */
export async function startStack(settings: Settings, options: UpOptions): Promise<void> {
  if (options.native && options.services.length > 0) {
    throw new UserError(`up --native starts the whole native stack; it takes no service names (got ${options.services.join(" ")}).`, [
      "drop the service names, or leave out --native to start only those compose services",
    ]);
  }
  if (options.native) {
    await startNativeStack({ settings, outDir: options.outDir, detach: options.detach, detachedChild: options.detachedChild });
    return;
  }
  const lock = await lockStack(options.outDir, "up");
  let context: ReturnType<typeof composeContext>;
  try {
    context = await startComposeLocked(settings, options);
  } finally {
    lock.release();
  }
  // why: following the logs lasts until Ctrl-C; the stack is recorded by now, so the lock is not held for it.
  if (options.logs) await composeLogs(context, { follow: true });
}

async function startComposeLocked(settings: Settings, options: UpOptions): Promise<ReturnType<typeof composeContext>> {
  const native = runningNativeStack(options.outDir);
  if (native !== undefined)
    throw new UserError(`A native stack runs from ${native.outDir}.`, ["stop it first with: vllm-monitor down, or pass another --out"]);
  // Docker first: without an engine, rendering secrets into --out would be wasted work.
  const tool = await requireCompose();
  const { notes } = await configureStack(settings, { outDir: options.outDir, mode: "compose", part: "all" });
  for (const note of notes) printError(`note: ${note}\n`);
  const context = composeContext(tool, { outDir: options.outDir, composeFile: options.composeFile }, true);
  const agent = settings.env.PROMETHEUS_MODE === "agent";
  // why: an agent only forwards; Grafana and Alertmanager belong to the central side.
  const services = options.services.length === 0 && agent ? agentComposeServices(settings) : options.services;
  await composeUp(context, { build: options.build, services });
  const grafanaUrl = `http://127.0.0.1:${settings.env.GRAFANA_PORT}/`;
  recordStack({
    kind: "compose",
    name: context.target.projectName,
    startedAt: new Date().toISOString(),
    demo: settings.demo,
    outDir: resolve(options.outDir),
    envFile: settings.envFile.path,
    workDir: process.cwd(),
    composeFile: context.target.composeFile,
    grafanaUrl,
    composeCommand: [tool.command, ...tool.prefix, "-p", context.target.projectName].join(" "),
    prometheusMode: settings.env.PROMETHEUS_MODE,
    ...(settings.env.REMOTE_WRITE_URL === undefined ? {} : { remoteWriteUrl: settings.env.REMOTE_WRITE_URL }),
  });
  const watched = settings.demo ? "the built-in simulator" : "VLLM_TARGET";
  const starting =
    options.services.length === 0
      ? agent
        ? "the agent is starting"
        : "the stack is starting"
      : `${options.services.join(", ")} (and what they depend on) are starting`;
  const grafana = agent
    ? `; forwarding to ${settings.env.REMOTE_WRITE_URL ?? "?"}`
    : options.services.length === 0 || options.services.includes("grafana")
      ? `; Grafana: ${grafanaUrl}`
      : "";
  print(`vllm-monitor: ${starting}, watching ${watched}${grafana} (stop with: vllm-monitor down)\n`);
  return context;
}

/** The compose services an agent runs: Prometheus and what it scrapes on this host, from the service table. */
export function agentComposeServices(settings: Settings): string[] {
  return [...new Set([...expectedServices(settings)].map((name) => service(name).composeHost))];
}

/** Which stack a command means: `--stack NAME`, `--out DIR`, or neither (the only running one). */
export interface StackChoice {
  readonly outDir?: string | undefined;
  readonly stack?: string | undefined;
}

function lookUp(choice: StackChoice): StackState | undefined {
  return findStack({
    ...(choice.outDir === undefined ? {} : { outDir: choice.outDir }),
    ...(choice.stack === undefined ? {} : { name: choice.stack }),
  });
}

/** The chosen stack, which must be running: else a UserError (exit 2) naming the stacks vllm-monitor knows. */
function requireStack(choice: StackChoice): StackState {
  const stack = lookUp(choice);
  if (stack !== undefined && isLive(stack)) return stack;
  const known = listStacks();
  const what =
    stack !== undefined
      ? `The ${stack.kind} stack ${stackName(stack)} is not running (${stack.kind === "native" ? "its supervisor is gone" : `its output folder ${stack.outDir} is gone`}).`
      : choice.outDir === undefined
        ? "No stack is running."
        : `No stack was started with --out ${choice.outDir}.`;
  throw new UserError(what, [
    ...(known.length === 0 ? ["no stack is recorded"] : ["the stacks vllm-monitor knows:", ...describeStacks(known)]),
    "start one with: vllm-monitor up (compose) or vllm-monitor up --native",
  ]);
}

export interface DownOptions extends StackChoice {
  readonly volumes: boolean;
  readonly keepConfig: boolean;
  readonly composeFile?: string | undefined;
}

/** `down`: stops whichever stack runs (native or compose) and deletes its rendered configs. */
export async function stopStack(options: DownOptions): Promise<void> {
  const found = lookUp(options);
  // why: waits for an `up` on the same stack until it has recorded itself, so down then stops what it started.
  await withStackLock(options.outDir ?? found?.outDir ?? DEFAULT_OUT_DIR, "down", () => stopLocked(options));
}

async function stopLocked(options: DownOptions): Promise<void> {
  const stack = lookUp(options);
  if (stack?.kind === "native") {
    await stopNativeStack(stack);
    return;
  }
  // No record (e.g. started by an older version): stop the compose project by its fixed name.
  const outDir = stack?.outDir ?? options.outDir ?? DEFAULT_OUT_DIR;
  const tool = await requireCompose();
  await composeDown(composeContext(tool, { outDir, composeFile: options.composeFile ?? stack?.composeFile }, false), {
    volumes: options.volumes,
  });
  forgetStack(outDir);
  if (!options.keepConfig && (await removeOutputTree(outDir))) print(`removed ${outDir}\n`);
}

export interface LogsOptions extends StackChoice {
  readonly follow: boolean;
  readonly services: readonly string[];
  readonly composeFile?: string | undefined;
}

const LOG_TAIL_LINES = 100;

/** `logs`: the native stack's log (followed until it stops), or the compose services' logs. */
export async function showLogs(options: LogsOptions): Promise<void> {
  const recorded = lookUp(options);
  if (recorded === undefined && options.outDir !== undefined && options.stack === undefined) {
    // An output folder no record names (a compose stack started by hand or by an older version): ask compose.
    const tool = await requireCompose();
    await composeLogs(composeContext(tool, { outDir: options.outDir, composeFile: options.composeFile }, true), {
      follow: options.follow,
      services: options.services,
    });
    return;
  }
  // why: following the log of a stack that is not running would wait forever for lines.
  const stack = requireStack(options);
  if (stack.kind === "native") {
    const runs = stack.processes.map((child) => child.name);
    const unknown = options.services.filter((name) => !runs.includes(name));
    if (unknown.length > 0) {
      const stacks = listStacks().filter((other) => unknown.includes(stackName(other)));
      throw new UserError(`The native stack ${stackName(stack)} runs no ${unknown.join(", ")}.`, [
        `name its processes: ${runs.join(", ")}`,
        ...stacks.map((other) => `${stackName(other)} is a stack: vllm-monitor logs --stack ${stackName(other)}`),
      ]);
    }
    await followNativeLog(stack, options);
    return;
  }
  const tool = await requireCompose();
  const context = composeContext(tool, { outDir: stack.outDir, composeFile: options.composeFile ?? stack.composeFile }, true);
  await composeLogs(context, { follow: options.follow, services: options.services });
}

async function followNativeLog(stack: NativeState, options: LogsOptions): Promise<void> {
  const wanted = (line: string): boolean => options.services.length === 0 || options.services.some((name) => line.startsWith(`${name} `));
  const read = (from: number): { text: string; size: number } => {
    if (!existsSync(stack.logFile)) return { text: "", size: from };
    const size = statSync(stack.logFile).size;
    if (size <= from) return { text: "", size };
    return { text: readFileSync(stack.logFile).subarray(from, size).toString("utf8"), size };
  };
  const first = read(0);
  const lines = first.text.split("\n").filter((line) => line !== "" && wanted(line));
  for (const line of lines.slice(-LOG_TAIL_LINES)) print(`${line}\n`);
  if (!options.follow) return;
  let offset = first.size;
  let interrupted = false;
  const stop = (): void => {
    interrupted = true;
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    while (!interrupted && isAlive(stack.supervisorPid)) {
      await sleep(250);
      const next = read(offset);
      offset = next.size;
      for (const line of next.text.split("\n")) if (line !== "" && wanted(line)) print(`${line}\n`);
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

/** Services a running native stack provides, from the processes it recorded. */
function recordedServices(stack: NativeState, settings: Settings): Set<ServiceName> {
  const services = new Set<ServiceName>(["prometheus"]);
  for (const child of stack.processes) for (const name of servicesOfProcess(child.name)) services.add(name);
  const gpu = gpuExporterService(settings);
  if (gpu !== undefined) services.add(gpu);
  return services;
}

export interface ReloadResult {
  /** Changes that the running processes cannot take without a restart. */
  readonly needRestart: readonly string[];
}

/**
 * `reload`: reads the .env again (the stack's own, unless `envFile` is given), re-renders the
 * running stack's configuration for its mode and makes Prometheus re-read it without a restart.
 */
export async function reloadStack(
  options: StackChoice & { envFile?: string | undefined; composeFile?: string | undefined },
): Promise<ReloadResult> {
  const found = requireStack(options);
  return withStackLock(found.outDir, "reload", () => reloadLocked(options));
}

async function reloadLocked(
  options: StackChoice & { envFile?: string | undefined; composeFile?: string | undefined },
): Promise<ReloadResult> {
  const stack = requireStack(options);
  const envFile = options.envFile ?? (existsSync(stack.envFile) ? stack.envFile : undefined);
  const settings = loadSettings({ ...(envFile === undefined ? {} : { envFile }), cwd: stack.workDir });
  for (const note of stackNotes(settings)) printError(`note: ${note}\n`);
  if (stack.kind === "compose") {
    const tool = await requireCompose();
    await configureStack(settings, { outDir: stack.outDir, mode: "compose", part: "all" });
    await composeReload(composeContext(tool, { outDir: stack.outDir, composeFile: options.composeFile ?? stack.composeFile }, true), {
      alertmanager: composeProfiles(settings).includes("alerts"),
    });
    return {
      needRestart:
        settings.demo === stack.demo
          ? []
          : ["VLLM_TARGET switched between demo mode and real targets: the simulator container starts or stops only with vllm-monitor up"],
    };
  }
  if (!isAlive(stack.supervisorPid))
    throw new UserError("The native stack is not running: its supervisor is gone.", [
      "see why with: vllm-monitor status",
      "start it with: vllm-monitor up --native",
    ]);
  const startedAs = stack.prometheusMode ?? "server";
  if (settings.env.PROMETHEUS_MODE !== startedAs) {
    throw new UserError(
      `PROMETHEUS_MODE is ${settings.env.PROMETHEUS_MODE} in .env, but this Prometheus runs as ${startedAs === "agent" ? "an agent" : "a server"}; a reload cannot switch it.`,
      ["restart the stack: vllm-monitor down && vllm-monitor up --native"],
    );
  }
  const needRestart: string[] = [];
  const simulatorRuns = stack.processes.some((child) => child.name === "simulator");
  if (settings.demo && !simulatorRuns) {
    throw new UserError("VLLM_TARGET is now empty (demo mode), but this stack runs no simulator to watch.", [
      "restart it: vllm-monitor down && vllm-monitor up --native",
    ]);
  }
  if (!settings.demo && simulatorRuns) needRestart.push("the simulator keeps running, unscraped, until the stack restarts");
  // The processes keep the ports they started on: render for those, and say which settings moved.
  const recordedPorts: Record<string, number> = {};
  for (const child of stack.processes) {
    for (const use of child.ports) {
      if (use.variable === undefined) continue;
      recordedPorts[use.variable] = use.port;
      const wanted = (settings.env as unknown as Record<string, unknown>)[use.variable];
      if (wanted !== use.port)
        needRestart.push(
          `${use.variable} is ${String(wanted)} in .env, but ${child.name} keeps listening on ${use.port} until the stack restarts`,
        );
    }
  }
  const effective: Settings = { ...settings, env: { ...settings.env, ...recordedPorts } };
  const grafanaRuns = stack.processes.some((child) => child.name === "grafana");
  const admin = grafanaRuns ? grafanaAdmin(effective).admin : undefined;
  await writeStackConfig(effective, {
    mode: "native",
    outDir: stack.outDir,
    endpoints: nativeEndpoints(effective, recordedServices(stack, effective)),
    part: grafanaRuns ? "all" : "prometheus",
    ...(admin === undefined ? {} : { grafanaAdmin: admin }),
  });
  const reloaded = await reloadPrometheus(stack.prometheusUrl);
  if (!reloaded.reachable)
    throw new UserError(`Prometheus did not reload: ${reloaded.reason}`, ["its log: vllm-monitor logs prometheus"], 1);
  const alertmanagerPort = stack.processes.find((child) => child.name === "alertmanager")?.ports[0]?.port;
  if (alertmanagerPort !== undefined) {
    // why: Alertmanager re-reads alertmanager.yml (new ALERT_* destinations) on POST /-/reload, keeping its silences and notification log.
    const answer = await fetch(`http://127.0.0.1:${alertmanagerPort}/-/reload`, { method: "POST" }).catch((error: Error) => error);
    if (answer instanceof Error || !answer.ok) {
      throw new UserError(
        `Alertmanager did not reload its configuration: ${answer instanceof Error ? answer.message : `HTTP ${answer.status} ${(await answer.text()).trim()}`}`,
        ["its log: vllm-monitor logs alertmanager"],
        1,
      );
    }
  }
  return { needRestart: [...new Set(needRestart)] };
}

/**
 * The stack doctor checks, from any folder: the one `--stack` names, else the only running one.
 * Several running and none named: a UserError listing them (exit 2). None running: undefined.
 */
/** The settings a running stack was started with: its own .env, read from the folder it was started in. */
export function stackSettings(stack: StackState): Settings {
  return loadSettings({ ...(existsSync(stack.envFile) ? { envFile: stack.envFile } : {}), cwd: stack.workDir });
}

export function stackForDoctor(name: string | undefined, explicitInputs = false): StackState | undefined {
  if (name !== undefined) return requireStack({ stack: name });
  const live = liveStacks();
  if (live.length <= 1) return live[0];
  // why: --env-file, --target or --prometheus-url already say what to check; no running stack needs choosing.
  if (explicitInputs) return undefined;
  throw new UserError(`${live.length} stacks are running; say which one doctor checks with --stack NAME:`, describeStacks(live));
}

/**
 * `status`: the chosen stack and its health; with no choice, every running stack (a stopped one
 * only when it is the only record, so a crash's cause stays visible until `down`).
 */
export async function stackStatus(choice: StackChoice): Promise<StackStatus[]> {
  if (choice.outDir !== undefined || choice.stack !== undefined) return [await collectStatus(lookUp(choice))];
  const all = listStacks();
  const live = all.filter(isLive);
  if (live.length === 0) return [await collectStatus(all.length === 1 ? all[0] : undefined)];
  return Promise.all(live.map((stack) => collectStatus(stack)));
}

/** The one recorded stack, as doctor needs it: its kind, Prometheus and simulator addresses (none when zero or several run). */
export function runningStackSummary(): { kind: "native" | "compose"; prometheusUrl?: string; simulatorAddress?: string } | undefined {
  let stack: StackState | undefined;
  try {
    stack = findStack({});
  } catch {
    return undefined;
  }
  if (stack === undefined) return undefined;
  if (stack.kind === "compose") return { kind: "compose" };
  const simulator = stack.processes.find((child) => child.name === "simulator")?.ports[0]?.port;
  return {
    kind: "native",
    prometheusUrl: stack.prometheusUrl,
    ...(simulator === undefined ? {} : { simulatorAddress: `127.0.0.1:${simulator}` }),
  };
}
