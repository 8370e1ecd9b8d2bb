/**
 * Where the native stack keeps its files. State lives in `.vllm-monitor/` under the working
 * directory (gitignored); the TSDB there survives restarts and `down`. Rendered configs, which may
 * hold a secret, live in the output folder and are deleted when the stack stops.
 */
import { resolve } from "node:path";

export const STATE_DIR_NAME = ".vllm-monitor";

export interface NativePaths {
  /** `.vllm-monitor/`: state file, log, data folders. */
  readonly stateDir: string;
  /** The supervisor's pid, ports and children, as JSON. */
  readonly stateFile: string;
  /** Output of a `--detach`ed supervisor. */
  readonly logFile: string;
  /** Prometheus's TSDB, kept across restarts and `down`. */
  readonly prometheusData: string;
  readonly alertmanagerData: string;
  readonly grafanaData: string;
  /** The rendered configs (default `build/`), deleted on stop. */
  readonly outDir: string;
}

/** Resolves every native path against `cwd`. Pure. */
export function nativePaths(cwd: string, outDir: string): NativePaths {
  const stateDir = resolve(cwd, STATE_DIR_NAME);
  return {
    stateDir,
    stateFile: resolve(stateDir, "native.json"),
    logFile: resolve(stateDir, "native.log"),
    prometheusData: resolve(stateDir, "prometheus-data"),
    alertmanagerData: resolve(stateDir, "alertmanager-data"),
    grafanaData: resolve(stateDir, "grafana-data"),
    outDir: resolve(cwd, outDir),
  };
}
