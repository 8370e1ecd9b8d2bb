/**
 * NODE_EXPORTER_TARGETS / GPU_EXPORTER_TARGETS and their file_sd files: exporters on other hosts,
 * resolved the way Prometheus will scrape them. A bare host gets the exporter's own port; the
 * scheme defaults to http and the path to /metrics (exporters are not vLLM: SCHEMA and
 * VLLM_METRICS_PATH do not apply). Reads only the files the settings name.
 */
import type { EnvValues, EnvName } from "./schema.js";
import { defaultPort } from "./services.js";
import { readTargetsFile } from "./targets-file.js";
import { duplicateTargets, resolveTargets, type VllmTarget } from "./targets.js";

/** A scrape target of an exporter: address, scheme and path as Prometheus uses them. */
export type ExporterTarget = VllmTarget;

export interface ExporterTargetList {
  /** From the comma list: rendered into the job's own targets file. */
  readonly listed: readonly ExporterTarget[];
  /** From the file_sd file, which Prometheus reads itself (live); known here to spot duplicates. */
  readonly fromFile: readonly ExporterTarget[];
}

export interface ExporterTargets {
  readonly node: ExporterTargetList;
  readonly gpu: ExporterTargetList;
}

export type ExporterKind = keyof ExporterTargets;

/** A problem of one variable, described by the loader in its one message style. */
export interface VariableProblem {
  readonly variable: EnvName;
  readonly message: string;
  /** Replaces the variable's own fix when the problem spans variables. */
  readonly fix?: string;
}

const EXPORTER_DEFAULTS = { scheme: "http", metricsPath: "/metrics" } as const;

/** The port a bare host of GPU_EXPORTER_TARGETS means: the exporter GPU_EXPORTER names, dcgm-exporter's when none. */
export function gpuExporterDefaultPort(env: Pick<EnvValues, "GPU_EXPORTER">): number {
  return env.GPU_EXPORTER === "nvidia-smi" ? defaultPort("nvidia-gpu-exporter") : defaultPort("dcgm-exporter");
}

type ExporterEnv = Pick<EnvValues, "NODE_EXPORTER_TARGETS" | "NODE_EXPORTER_TARGETS_FILE" | "GPU_EXPORTER_TARGETS" | "GPU_EXPORTER_TARGETS_FILE" | "GPU_EXPORTER">;

function resolveKind(
  listVariable: EnvName,
  fileVariable: EnvName,
  specs: Parameters<typeof resolveTargets>[0] | undefined,
  file: string | undefined,
  port: number,
): { list: ExporterTargetList; problems: VariableProblem[] } {
  const problems: VariableProblem[] = [];
  const listed = resolveTargets(specs ?? [], { ...EXPORTER_DEFAULTS, port });
  let fromFile: ExporterTarget[] = [];
  if (file !== undefined) {
    const read = readTargetsFile(file, EXPORTER_DEFAULTS);
    fromFile = read.targets;
    for (const message of read.problems) problems.push({ variable: fileVariable, message });
  }
  for (const duplicate of duplicateTargets([...listed, ...fromFile])) {
    problems.push({ variable: listVariable, message: `lists ${duplicate} more than once (${listVariable} and ${fileVariable} together)` });
  }
  return { list: { listed, fromFile }, problems };
}

/** Both exporter kinds, resolved, with every problem of their lists and files. */
export function resolveExporterTargets(env: ExporterEnv): { targets: ExporterTargets; problems: VariableProblem[] } {
  const node = resolveKind("NODE_EXPORTER_TARGETS", "NODE_EXPORTER_TARGETS_FILE", env.NODE_EXPORTER_TARGETS, env.NODE_EXPORTER_TARGETS_FILE, defaultPort("node-exporter"));
  const gpu = resolveKind("GPU_EXPORTER_TARGETS", "GPU_EXPORTER_TARGETS_FILE", env.GPU_EXPORTER_TARGETS, env.GPU_EXPORTER_TARGETS_FILE, gpuExporterDefaultPort(env));
  return { targets: { node: node.list, gpu: gpu.list }, problems: [...node.problems, ...gpu.problems] };
}
