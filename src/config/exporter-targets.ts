/**
 * NODE_EXPORTER_TARGETS / GPU_EXPORTER_TARGETS and their file_sd files: exporters on other hosts,
 * resolved the way Prometheus will scrape them. A bare host gets the exporter's own port; the
 * scheme defaults to http and the path to /metrics (exporters are not vLLM: SCHEMA and
 * VLLM_METRICS_PATH do not apply). Reads only the files the settings name.
 */
import type { EnvValues, EnvName } from "./schema.js";
import { defaultPort, SERVICES, type ExporterKind } from "./services.js";
import { readTargetsFile } from "./targets-file.js";
import { duplicateTargets, resolveTargets, type TargetSpec, type VllmTarget } from "./targets.js";

export type { ExporterKind } from "./services.js";

/** A scrape target of an exporter: address, scheme and path as Prometheus uses them. */
export type ExporterTarget = VllmTarget;

export interface ExporterTargetList {
  /** From the comma list: rendered into the job's own targets file. */
  readonly listed: readonly ExporterTarget[];
  /** From the file_sd file, which Prometheus reads itself (live); known here to spot duplicates. */
  readonly fromFile: readonly ExporterTarget[];
}

/** The exporter jobs: what each scrapes, the variables that list more targets, its scrape fragment. */
export interface ExporterJob {
  /** Prometheus's job name. */
  readonly job: string;
  /** The comma list of targets on other hosts, and its file_sd file. */
  readonly listVariable: EnvName;
  readonly fileVariable: EnvName;
  /** The scrape_config fragment under templates/, included when the job has any target. */
  readonly fragment: string;
  /** What it should find there, for messages. */
  readonly title: string;
}

/** The exporter jobs, keyed by exporter; the services each scrapes carry `scrapedAs` in the service table. */
export const EXPORTERS: Readonly<Record<ExporterKind, ExporterJob>> = {
  node: {
    job: "node",
    listVariable: "NODE_EXPORTER_TARGETS",
    fileVariable: "NODE_EXPORTER_TARGETS_FILE",
    fragment: "prometheus/scrape/node.yml.template",
    title: "node_exporter",
  },
  gpu: {
    job: "gpu",
    listVariable: "GPU_EXPORTER_TARGETS",
    fileVariable: "GPU_EXPORTER_TARGETS_FILE",
    fragment: "prometheus/scrape/gpu.yml.template",
    title: "a GPU exporter (dcgm-exporter or nvidia_gpu_exporter)",
  },
};

export const EXPORTER_KINDS = Object.keys(EXPORTERS) as ExporterKind[];

/** Every exporter's targets, keyed by exporter. */
export type ExporterTargets = Readonly<Record<ExporterKind, ExporterTargetList>>;

/** A problem of one variable, described by the loader in its one message style. */
export interface VariableProblem {
  readonly variable: EnvName;
  readonly message: string;
  /** Replaces the variable's own fix when the problem spans variables. */
  readonly fix?: string;
}

const EXPORTER_DEFAULTS = { scheme: "http", metricsPath: "/metrics" } as const;

/**
 * The port a bare host of an exporter's list means: the port of the service of that job which
 * GPU_EXPORTER names, else of the job's first service that runs beside the stack on its own.
 */
export function exporterDefaultPort(kind: ExporterKind, env: Pick<EnvValues, "GPU_EXPORTER">): number {
  // why: the demo simulator's GPU page is nobody's exporter on another host.
  const scraped = SERVICES.filter((row) => row.scrapedAs === kind && row.profile !== "demo");
  const chosen = scraped.find((row) => row.gpuExporter !== undefined && row.gpuExporter === env.GPU_EXPORTER) ?? scraped[0];
  if (chosen === undefined) throw new Error(`no service of the table is scraped as ${kind}`);
  return defaultPort(chosen.name);
}

type ExporterEnv = Pick<
  EnvValues,
  "NODE_EXPORTER_TARGETS" | "NODE_EXPORTER_TARGETS_FILE" | "GPU_EXPORTER_TARGETS" | "GPU_EXPORTER_TARGETS_FILE" | "GPU_EXPORTER"
>;

function resolveKind(kind: ExporterKind, env: ExporterEnv): { list: ExporterTargetList; problems: VariableProblem[] } {
  const { listVariable, fileVariable } = EXPORTERS[kind];
  const problems: VariableProblem[] = [];
  const specs = env[listVariable as keyof ExporterEnv] as TargetSpec[] | undefined;
  const file = env[fileVariable as keyof ExporterEnv] as string | undefined;
  const listed = resolveTargets(specs ?? [], { ...EXPORTER_DEFAULTS, port: exporterDefaultPort(kind, env) });
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

/** Every exporter's targets, resolved, with every problem of their lists and files. */
export function resolveExporterTargets(env: ExporterEnv): { targets: ExporterTargets; problems: VariableProblem[] } {
  const resolved = EXPORTER_KINDS.map((kind) => [kind, resolveKind(kind, env)] as const);
  return {
    targets: Object.fromEntries(resolved.map(([kind, result]) => [kind, result.list])) as Record<ExporterKind, ExporterTargetList>,
    problems: resolved.flatMap(([, result]) => result.problems),
  };
}
