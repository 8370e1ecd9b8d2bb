import { loadConfig, type MonitorConfig } from "../config/load.js";
import { composeEndpoints, nativeEndpoints, type StackEndpoints } from "./endpoints.js";
import type { StackMode } from "./layout.js";
import { renderStackConfig, type RenderStackOptions, type StackPart } from "./stack.js";
import { writeOutputTree, type WriteResult } from "./writer.js";

/** Renders the stack's files in memory, then writes them (see `writeOutputTree`). Nothing is written when rendering fails. */
export async function writeStackConfig(config: MonitorConfig, options: RenderStackOptions): Promise<WriteResult> {
  const rendered = await renderStackConfig(config, options);
  return writeOutputTree(options.outDir, rendered.files, { ownedRoots: rendered.ownedRoots });
}

export interface WriteStackOptions {
  readonly envFile: string;
  readonly outDir: string;
  readonly mode: StackMode;
  readonly part: StackPart;
  /** Defaults to `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Defaults: compose service names, or `defaultNativeEndpoints` in native mode. */
  readonly endpoints?: StackEndpoints;
}

/** What `vllm-monitor conf` does: load and validate .env, render, write. Grafana needs ADMIN_PASSWORD. */
export async function writeStackConfigFromEnv(options: WriteStackOptions): Promise<{ config: MonitorConfig; result: WriteResult }> {
  const config = loadConfig({
    envFile: options.envFile,
    ...(options.environment === undefined ? {} : { environment: options.environment }),
    requireGrafanaCredentials: options.part !== "prometheus",
  });
  const endpoints = options.endpoints ?? (options.mode === "compose" ? composeEndpoints(config) : defaultNativeEndpoints(config));
  const result = await writeStackConfig(config, { mode: options.mode, outDir: options.outDir, endpoints, part: options.part });
  return { config, result };
}

/** The usual ports of the native stack's parts on 127.0.0.1 (the native supervisor passes its own). */
export function defaultNativeEndpoints(config: MonitorConfig): StackEndpoints {
  return nativeEndpoints(config, {
    prometheus: config.prometheusPort,
    simulator: 8000,
    simulatorGpu: 9400,
    nodeExporter: 9100,
    ...(config.gpuExporter === "dcgm" ? { gpuExporter: 9400 } : config.gpuExporter === "nvidia-smi" ? { gpuExporter: 9835 } : {}),
  });
}
