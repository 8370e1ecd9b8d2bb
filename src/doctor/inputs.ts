/**
 * What doctor checks, from the settings and the running stack: the configured targets (VLLM_TARGET
 * and the targets file, both already validated by the loader as Prometheus reads them), or in
 * demo mode the simulator the stack watches. Pure.
 */
import type { Settings } from "../config/load.js";
import { nativePort } from "../config/services.js";
import { parseTargetList, resolveTargets } from "../config/targets.js";
import { UserError } from "../errors.js";
import { gpuExporterService, LISTEN_HOST } from "../render/endpoints.js";
import { EXPORTER_KINDS, EXPORTERS, type ExporterKind } from "../config/exporter-targets.js";
import type { ExporterCheckTarget } from "./check-exporter.js";
import type { DoctorSettings, DoctorTarget } from "./types.js";

/** The stack doctor runs beside, if any: where its Prometheus and simulator listen. */
export interface RunningStack {
  readonly kind: "native" | "compose";
  readonly prometheusUrl?: string;
  /** `host:port` of the simulator a native demo stack runs. */
  readonly simulatorAddress?: string;
  /** `host:port` of the exporters a native stack runs itself (its node_exporter, the simulator's GPU page). */
  readonly exporterAddresses?: Readonly<Partial<Record<ExporterKind, readonly string[]>>>;
}

export interface DoctorFlags {
  readonly target?: readonly string[];
  readonly timeout: string;
  readonly prometheusUrl?: string;
}

export interface DoctorPlan {
  readonly targets: DoctorTarget[];
  /** Exporter endpoints: NODE_/GPU_EXPORTER_TARGETS and their files, and the running native stack's own. */
  readonly exporters: ExporterCheckTarget[];
  readonly settings: DoctorSettings;
  /** Said before the report (e.g. what demo mode checks). */
  readonly notes: string[];
}

/** Problems of the flags alone, reported together with the .env's (one report, exit 2). */
function flagProblems(flags: DoctorFlags): string[] {
  const problems: string[] = [];
  const timeoutMs = Number(flags.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) problems.push(`--timeout "${flags.timeout}" is not a positive number of milliseconds`);
  if (flags.prometheusUrl !== undefined && !URL.canParse(flags.prometheusUrl)) {
    problems.push(`--prometheus-url "${flags.prometheusUrl}" is not a URL; e.g. http://127.0.0.1:9090`);
  }
  for (const item of flags.target ?? []) problems.push(...parseTargetList(item).problems.map((problem) => `--target: ${problem}`));
  return problems;
}

/** Loads the settings with `load`; a bad .env and bad flags make one UserError listing both. */
export function loadForDoctor(flags: DoctorFlags, load: () => Settings): Settings {
  const fromFlags = flagProblems(flags);
  let settings: Settings;
  try {
    settings = load();
  } catch (error) {
    if (error instanceof UserError && fromFlags.length > 0)
      throw new UserError(error.message.split("\n")[0] ?? "invalid configuration", [...error.problems, ...fromFlags]);
    throw error;
  }
  if (fromFlags.length > 0) throw new UserError("doctor cannot start: bad input", fromFlags);
  return settings;
}

/** What to check and how, once the settings and flags are valid (see `loadForDoctor`). */
export function planDoctor(
  settings: Settings,
  flags: DoctorFlags,
  running: RunningStack | undefined,
  caPem: string | undefined,
  remoteWriteCaPem?: string,
): DoctorPlan {
  const notes: string[] = [];
  const timeoutMs = Number(flags.timeout);
  const defaults = { scheme: settings.env.SCHEMA, metricsPath: settings.env.VLLM_METRICS_PATH };
  const targets: DoctorTarget[] = [];
  if (flags.target !== undefined) {
    for (const item of flags.target)
      targets.push(...resolveTargets(parseTargetList(item).specs, defaults).map((target) => ({ ...target, source: "--target" })));
  } else if (settings.demo) {
    if (running?.kind === "compose") {
      notes.push(
        "demo mode: the compose stack's simulator is reachable only inside its network; pass --target to check a server from here",
      );
    } else {
      const address = running?.simulatorAddress ?? `${LISTEN_HOST}:${nativePort("simulator", settings)}`;
      targets.push({ address, scheme: "http", metricsPath: "/metrics", source: "the demo's simulator (VLLM_TARGET is empty)" });
      notes.push(`demo mode: checking the built-in simulator the stack watches, at ${address}`);
    }
  } else {
    targets.push(...settings.targets.map((target) => ({ ...target, source: "VLLM_TARGET" })));
    targets.push(
      ...settings.fileTargets.map((target) => ({ ...target, source: `VLLM_TARGETS_FILE (${settings.env.VLLM_TARGETS_FILE ?? ""})` })),
    );
  }
  const token = settings.env.VLLM_METRICS_AUTH_TOKEN?.reveal();
  return {
    targets,
    // why: --target means "check this instead of the .env's targets", exporters included.
    exporters: flags.target === undefined ? exporterTargets(settings, running) : [],
    notes,
    settings: {
      ...(token !== undefined ? { token } : {}),
      ...(caPem !== undefined ? { caPem } : {}),
      insecureSkipVerify: settings.env.VLLM_TLS_INSECURE_SKIP_VERIFY,
      timeoutMs,
      prometheusUrl: flags.prometheusUrl ?? running?.prometheusUrl ?? `http://${LISTEN_HOST}:${nativePort("prometheus", settings)}`,
      applyCommand: running === undefined ? "vllm-monitor up" : "vllm-monitor reload",
      agent: settings.env.PROMETHEUS_MODE === "agent",
      ...remoteWriteProbe(settings, remoteWriteCaPem),
    },
  };
}

/** Every exporter target of the settings and of the running native stack, each address once. */
function exporterTargets(settings: Settings, running: RunningStack | undefined): ExporterCheckTarget[] {
  const found: ExporterCheckTarget[] = [];
  for (const kind of EXPORTER_KINDS) {
    const beside = kind === "gpu" && running?.kind === "native" ? gpuExporterService(settings) : undefined;
    const own = [
      ...(running?.exporterAddresses?.[kind] ?? []),
      ...(beside === undefined ? [] : [`${LISTEN_HOST}:${nativePort(beside, settings)}`]),
    ];
    found.push(
      ...own.map((address) => ({
        address,
        scheme: "http" as const,
        metricsPath: "/metrics",
        source: `the running stack's own ${EXPORTERS[kind].job} job`,
        exporter: kind,
      })),
    );
    const lists = settings.exporters[kind];
    const { listVariable, fileVariable } = EXPORTERS[kind];
    const file = settings.env[fileVariable];
    found.push(...lists.listed.map((target) => ({ ...target, source: listVariable, exporter: kind })));
    found.push(
      ...lists.fromFile.map((target) => ({
        ...target,
        source: `${fileVariable} (${typeof file === "string" ? file : ""})`,
        exporter: kind,
      })),
    );
  }
  const seen = new Set<string>();
  return found.filter((target) => {
    const key = `${target.scheme}://${target.address}${target.metricsPath}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function remoteWriteProbe(settings: Settings, caPem: string | undefined): Pick<DoctorSettings, "remoteWrite"> {
  const { env } = settings;
  if (env.REMOTE_WRITE_URL === undefined) return {};
  return {
    remoteWrite: {
      url: env.REMOTE_WRITE_URL,
      ...(env.REMOTE_WRITE_BEARER_TOKEN === undefined ? {} : { token: env.REMOTE_WRITE_BEARER_TOKEN.reveal() }),
      ...(env.REMOTE_WRITE_USERNAME === undefined ? {} : { username: env.REMOTE_WRITE_USERNAME }),
      ...(env.REMOTE_WRITE_PASSWORD === undefined ? {} : { password: env.REMOTE_WRITE_PASSWORD.reveal() }),
      ...(caPem === undefined ? {} : { caPem }),
      ...(env.REMOTE_WRITE_HEADERS === undefined ? {} : { headers: env.REMOTE_WRITE_HEADERS }),
    },
  };
}
