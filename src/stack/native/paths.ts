/**
 * Where the native stack keeps its files. Data lives outside the working tree, in one folder per
 * stack: DATA_DIR, or `$XDG_STATE_HOME/vllm-monitor/data/<folder>-<hash of its path>/` (default
 * `~/.local/state/…`). Inside it, the demo and real targets each get their own TSDB (`demo/`,
 * `targets/`), so the simulator's fake model never shows up in a real stack's dashboards. The
 * TSDBs survive restarts and `down`. Rendered configs, which may hold a secret, live in the output
 * folder and are deleted when the stack stops. What runs is recorded in the per-user registry
 * (../registry.ts), so other commands find it from anywhere.
 */
import { createHash } from "node:crypto";
import { basename, join, resolve } from "node:path";
import { stateHomeDir } from "../registry.js";

/** Where versions before the per-stack data folder kept everything, under the working folder. */
const LEGACY_STATE_DIR_NAME = ".vllm-monitor";

export interface NativePaths {
  /** The folder the stack was started from. */
  readonly workDir: string;
  /** The stack's data folder: run logs, Grafana's data, and the `demo/` and `targets/` folders. */
  readonly stateDir: string;
  /** Prometheus's TSDB, kept across restarts and `down`; one for the demo, one for real targets. */
  readonly prometheusData: string;
  /** The agent's write-ahead log (PROMETHEUS_MODE=agent): unsent samples survive a restart. */
  readonly prometheusAgentData: string;
  readonly alertmanagerData: string;
  readonly grafanaData: string;
  /** The rendered configs (default `build/`), deleted on stop. */
  readonly outDir: string;
}

/** What decides where a stack's data goes. */
export interface StackData {
  /** DATA_DIR, as set (relative to the working folder when not absolute). */
  readonly dataDir?: string | undefined;
  /** Demo mode (the simulator) or real targets: each has its own TSDB. */
  readonly demo: boolean;
}

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The stack's data folder: DATA_DIR, else one per working folder under the state dir, named after
 * the folder (readable in `ls`) plus a hash of its absolute path (two `site/` folders never share).
 */
export function stackDataDir(workDir: string, dataDir: string | undefined, environment: Environment = process.env): string {
  if (dataDir !== undefined) return resolve(workDir, dataDir);
  const absolute = resolve(workDir);
  const key = createHash("sha256").update(absolute).digest("hex").slice(0, 10);
  const name = basename(absolute).replace(/[^A-Za-z0-9._-]/g, "_") || "root";
  return join(stateHomeDir(environment), "data", `${name}-${key}`);
}

/** The TSDB older versions kept in the working folder, which a new stack no longer reads. Pure. */
export function legacyPrometheusData(workDir: string): string {
  return resolve(workDir, LEGACY_STATE_DIR_NAME, "prometheus-data");
}

/**
 * One run's log: every line of every process, in the foreground and detached alike (`vllm-monitor
 * logs`), named after its supervisor's pid so two runs never share a file. Pure.
 */
export function runLogFile(paths: Pick<NativePaths, "stateDir">, supervisorPid: number): string {
  return resolve(paths.stateDir, `native-${supervisorPid}.log`);
}

/** Every native path of a stack whose data folder is `stateDir`. Pure. */
export function nativePathsIn(workDir: string, outDir: string, stateDir: string, demo: boolean): NativePaths {
  const profileDir = resolve(stateDir, demo ? "demo" : "targets");
  return {
    workDir: resolve(workDir),
    stateDir: resolve(stateDir),
    prometheusData: resolve(profileDir, "prometheus-data"),
    prometheusAgentData: resolve(profileDir, "prometheus-agent-wal"),
    alertmanagerData: resolve(profileDir, "alertmanager-data"),
    grafanaData: resolve(stateDir, "grafana-data"),
    outDir: resolve(workDir, outDir),
  };
}

/** Resolves every native path of a stack started from `workDir` with these settings. */
export function nativePaths(workDir: string, outDir: string, data: StackData, environment: Environment = process.env): NativePaths {
  return nativePathsIn(workDir, outDir, stackDataDir(workDir, data.dataDir, environment), data.demo);
}

/** The paths of a recorded stack; an older version's record has no data folder and kept all in `.vllm-monitor/`. */
export function recordedNativePaths(state: {
  readonly workDir: string;
  readonly outDir: string;
  readonly dataDir?: string | undefined;
  readonly demo: boolean;
}): NativePaths {
  if (state.dataDir !== undefined) return nativePathsIn(state.workDir, state.outDir, state.dataDir, state.demo);
  const legacy = resolve(state.workDir, LEGACY_STATE_DIR_NAME);
  return {
    ...nativePathsIn(state.workDir, state.outDir, legacy, state.demo),
    prometheusData: resolve(legacy, "prometheus-data"),
    prometheusAgentData: resolve(legacy, "prometheus-agent-wal"),
    alertmanagerData: resolve(legacy, "alertmanager-data"),
  };
}
