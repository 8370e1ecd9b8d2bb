/**
 * Where the native stack keeps its files. Data lives in `.vllm-monitor/` under the folder it was
 * started from (gitignored); the TSDB there survives restarts and `down`. Rendered configs, which
 * may hold a secret, live in the output folder and are deleted when the stack stops. What runs is
 * recorded in the per-user registry (../registry.ts), so other commands find it from anywhere.
 */
import { resolve } from "node:path";

export const STATE_DIR_NAME = ".vllm-monitor";

export interface NativePaths {
  /** The folder the stack was started from. */
  readonly workDir: string;
  /** `.vllm-monitor/`: log and data folders. */
  readonly stateDir: string;
  /** Prometheus's TSDB, kept across restarts and `down`. */
  readonly prometheusData: string;
  /** The agent's write-ahead log (PROMETHEUS_MODE=agent): unsent samples survive a restart. */
  readonly prometheusAgentData: string;
  readonly alertmanagerData: string;
  readonly grafanaData: string;
  /** The rendered configs (default `build/`), deleted on stop. */
  readonly outDir: string;
}

/**
 * One run's log: every line of every process, in the foreground and detached alike (`vllm-monitor
 * logs`), named after its supervisor's pid so two runs never share a file. Pure.
 */
export function runLogFile(paths: Pick<NativePaths, "stateDir">, supervisorPid: number): string {
  return resolve(paths.stateDir, `native-${supervisorPid}.log`);
}

/** Resolves every native path against `workDir`. Pure. */
export function nativePaths(workDir: string, outDir: string): NativePaths {
  const stateDir = resolve(workDir, STATE_DIR_NAME);
  return {
    workDir: resolve(workDir),
    stateDir,
    prometheusData: resolve(stateDir, "prometheus-data"),
    prometheusAgentData: resolve(stateDir, "prometheus-agent-wal"),
    alertmanagerData: resolve(stateDir, "alertmanager-data"),
    grafanaData: resolve(stateDir, "grafana-data"),
    outDir: resolve(workDir, outDir),
  };
}
