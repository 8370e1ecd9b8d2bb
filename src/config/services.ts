/**
 * The services of the stack, declared once, each with every fact about it: its compose host,
 * port, image variable and profile, the programs that run it natively and the variable naming
 * one, the scrape job that reads it, and the GPU_EXPORTER value that brings it. Compose endpoints
 * and profiles, the image list, native processes and programs, the GPU_EXPORTER mapping,
 * exporter ports, `status`, busy-port messages and the renderer's addresses are derived from
 * this table. A service's default port is the default of the variable that moves it
 * (schema.ts); services no variable moves (GPU exporters) listen on their upstream port.
 *
 * Adding an exporter: one row here (and, for a new kind of target, one entry of EXPORTERS in
 * exporter-targets.ts), its families in the catalog, its panels; its image variable and *_BIN
 * variable are schema entries.
 */
import { defaultValue, type EnvName, type EnvValues } from "./schema.js";

export type ServiceName =
  "prometheus" | "grafana" | "node-exporter" | "alertmanager" | "simulator" | "simulator-gpu" | "dcgm-exporter" | "nvidia-gpu-exporter";

/** Port variables of the table: each must be a port in the schema. */
type PortVariable =
  "PROMETHEUS_PORT" | "GRAFANA_PORT" | "NODE_EXPORTER_PORT" | "ALERTMANAGER_PORT" | "SIMULATOR_PORT" | "SIMULATOR_GPU_PORT";

/** Image variables of the table: each is an image in the schema (group `images`). */
export type ServiceImageVariable =
  "PROMETHEUS_IMAGE" | "GRAFANA_IMAGE" | "NODE_EXPORTER_IMAGE" | "ALERTMANAGER_IMAGE" | "DCGM_EXPORTER_IMAGE" | "NVIDIA_GPU_EXPORTER_IMAGE";

/** The compose profiles of docker-compose.yml; a service without one always runs. */
export type ComposeProfile = "demo" | "gpu" | "nvidia-smi" | "alerts";

/** The native processes: a service's process, or the one that also serves it (the simulator's GPU page). */
export type ProcessName = "simulator" | "node-exporter" | "alertmanager" | "prometheus" | "grafana" | "viewer";

/** The scrape jobs of exporters, whose targets file and fragment exporter-targets.ts describes. */
export type ExporterKind = "node" | "gpu";

/** The GPU_EXPORTER values that start a service (the schema adds `none`). */
export type GpuExporterValue = "dcgm" | "nvidia-smi";

export interface NativeProgram {
  /** The process of the native stack that runs (or serves) it. */
  readonly process: ProcessName;
  /** Program names looked up on PATH, first found wins; empty for our own CLI (the simulator). */
  readonly programs: readonly string[];
  /** The `*_BIN` variable that names the program instead. */
  readonly variable?: EnvName;
}

export interface Service {
  readonly name: ServiceName;
  /** What it is, for status and messages. */
  readonly title: string;
  /** Its service name in docker-compose.yml, which is its host name on the compose networks. */
  readonly composeHost: string;
  /** The variable that moves its port in native mode, or its fixed upstream port. */
  readonly port: { readonly variable: PortVariable } | { readonly fixed: number };
  /** False only for what the stack cannot run without (Prometheus). */
  readonly optional: boolean;
  /** The variable of its compose image; absent for our own image (the simulator, built from NODE_IMAGE). */
  readonly image?: ServiceImageVariable;
  /** The compose profile that starts it; absent: always started. */
  readonly profile?: ComposeProfile;
  /** How native mode runs it; absent: native mode does not (a GPU exporter runs beside the stack, found at its port). */
  readonly native?: NativeProgram;
  /** The exporter job that scrapes it (targets file and scrape fragment in EXPORTERS). */
  readonly scrapedAs?: ExporterKind;
  /** The GPU_EXPORTER value that makes the stack run (compose) or scrape (native) it. */
  readonly gpuExporter?: GpuExporterValue;
}

export const SERVICES: readonly Service[] = [
  {
    name: "prometheus",
    title: "Prometheus",
    composeHost: "prometheus",
    port: { variable: "PROMETHEUS_PORT" },
    optional: false,
    image: "PROMETHEUS_IMAGE",
    native: { process: "prometheus", programs: ["prometheus"], variable: "PROMETHEUS_BIN" },
  },
  {
    name: "grafana",
    title: "Grafana",
    composeHost: "grafana",
    port: { variable: "GRAFANA_PORT" },
    optional: true,
    image: "GRAFANA_IMAGE",
    native: { process: "grafana", programs: ["grafana", "grafana-server"], variable: "GRAFANA_BIN" },
  },
  {
    name: "node-exporter",
    title: "node_exporter (host metrics)",
    composeHost: "node-exporter",
    port: { variable: "NODE_EXPORTER_PORT" },
    optional: true,
    image: "NODE_EXPORTER_IMAGE",
    native: { process: "node-exporter", programs: ["node_exporter", "prometheus-node-exporter"], variable: "NODE_EXPORTER_BIN" },
    scrapedAs: "node",
  },
  {
    name: "alertmanager",
    title: "Alertmanager",
    composeHost: "alertmanager",
    port: { variable: "ALERTMANAGER_PORT" },
    optional: true,
    image: "ALERTMANAGER_IMAGE",
    profile: "alerts",
    native: { process: "alertmanager", programs: ["alertmanager", "prometheus-alertmanager"], variable: "ALERTMANAGER_BIN" },
  },
  {
    name: "simulator",
    title: "vLLM simulator (demo)",
    composeHost: "simulator",
    port: { variable: "SIMULATOR_PORT" },
    optional: true,
    profile: "demo",
    native: { process: "simulator", programs: [] },
  },
  {
    name: "simulator-gpu",
    title: "simulator GPU metrics (demo)",
    composeHost: "simulator",
    port: { variable: "SIMULATOR_GPU_PORT" },
    optional: true,
    profile: "demo",
    native: { process: "simulator", programs: [] },
    scrapedAs: "gpu",
  },
  {
    name: "dcgm-exporter",
    title: "NVIDIA dcgm-exporter",
    composeHost: "dcgm-exporter",
    port: { fixed: 9400 },
    optional: true,
    image: "DCGM_EXPORTER_IMAGE",
    profile: "gpu",
    scrapedAs: "gpu",
    gpuExporter: "dcgm",
  },
  {
    name: "nvidia-gpu-exporter",
    title: "nvidia_gpu_exporter",
    composeHost: "nvidia-gpu-exporter",
    port: { fixed: 9835 },
    optional: true,
    image: "NVIDIA_GPU_EXPORTER_IMAGE",
    profile: "nvidia-smi",
    scrapedAs: "gpu",
    gpuExporter: "nvidia-smi",
  },
];

export function service(name: ServiceName): Service {
  const found = SERVICES.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no service ${name} in the service table`);
  return found;
}

/** The port it listens on out of the box: inside its container, and in native mode unless moved. */
export function defaultPort(name: ServiceName): number {
  const { port } = service(name);
  return "fixed" in port ? port.fixed : defaultValue(port.variable);
}

/** The port it listens on in native mode, with the user's settings. */
export function nativePort(name: ServiceName, settings: { readonly env: Pick<EnvValues, PortVariable> }): number {
  const { port } = service(name);
  return "fixed" in port ? port.fixed : settings.env[port.variable];
}

/** The variable that moves its port, for busy-port messages; undefined for fixed ports. */
export function portVariable(name: ServiceName): EnvName | undefined {
  const { port } = service(name);
  return "variable" in port ? port.variable : undefined;
}

/** `host:port` on the compose networks. */
export function composeAddress(name: ServiceName): string {
  return `${service(name).composeHost}:${defaultPort(name)}`;
}

/** Every compose profile of the table, in table order: `down` names them all so no container is left. */
export function composeProfileNames(): ComposeProfile[] {
  return [...new Set(SERVICES.flatMap((row) => (row.profile === undefined ? [] : [row.profile])))];
}

/** The service GPU_EXPORTER names, if any. */
export function gpuExporterServiceOf(value: GpuExporterValue | "none"): Service | undefined {
  return SERVICES.find((row) => row.gpuExporter === value);
}

/**
 * The compose profiles these settings start: the demo's simulator, the GPU exporter
 * GPU_EXPORTER names. (`alerts` is asked for on the command line.)
 */
export function profilesFor(settings: { readonly demo: boolean; readonly env: Pick<EnvValues, "GPU_EXPORTER"> }): ComposeProfile[] {
  const gpu = gpuExporterServiceOf(settings.env.GPU_EXPORTER)?.profile;
  const demo = service("simulator").profile;
  return [...(settings.demo && demo !== undefined ? [demo] : []), ...(gpu === undefined ? [] : [gpu])];
}

/** The services a native process provides. */
export function servicesOfProcess(process: string): ServiceName[] {
  return SERVICES.filter((row) => row.native?.process === process).map((row) => row.name);
}
