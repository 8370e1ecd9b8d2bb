/**
 * The services of the stack, declared once: compose endpoints, native endpoints and processes,
 * `status`, busy-port messages and the renderer's addresses are all derived from this table.
 * A service's default port is the default of the variable that moves it (schema.ts); services no
 * variable moves (external GPU exporters) listen on their upstream port.
 */
import type { Settings } from "./load.js";
import { defaultValue, type EnvName } from "./schema.js";

export type ServiceName = "prometheus" | "grafana" | "node-exporter" | "alertmanager" | "simulator" | "simulator-gpu" | "dcgm-exporter" | "nvidia-gpu-exporter";

/** Port variables of the table: each must be a port in the schema. */
type PortVariable = "PROMETHEUS_PORT" | "GRAFANA_PORT" | "NODE_EXPORTER_PORT" | "ALERTMANAGER_PORT" | "SIMULATOR_PORT" | "SIMULATOR_GPU_PORT";

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
}

export const SERVICES: readonly Service[] = [
  { name: "prometheus", title: "Prometheus", composeHost: "prometheus", port: { variable: "PROMETHEUS_PORT" }, optional: false },
  { name: "grafana", title: "Grafana", composeHost: "grafana", port: { variable: "GRAFANA_PORT" }, optional: true },
  { name: "node-exporter", title: "node_exporter (host metrics)", composeHost: "node-exporter", port: { variable: "NODE_EXPORTER_PORT" }, optional: true },
  { name: "alertmanager", title: "Alertmanager", composeHost: "alertmanager", port: { variable: "ALERTMANAGER_PORT" }, optional: true },
  { name: "simulator", title: "vLLM simulator (demo)", composeHost: "simulator", port: { variable: "SIMULATOR_PORT" }, optional: true },
  { name: "simulator-gpu", title: "simulator GPU metrics (demo)", composeHost: "simulator", port: { variable: "SIMULATOR_GPU_PORT" }, optional: true },
  { name: "dcgm-exporter", title: "NVIDIA dcgm-exporter", composeHost: "dcgm-exporter", port: { fixed: 9400 }, optional: true },
  { name: "nvidia-gpu-exporter", title: "nvidia_gpu_exporter", composeHost: "nvidia-gpu-exporter", port: { fixed: 9835 }, optional: true },
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
export function nativePort(name: ServiceName, settings: Pick<Settings, "env">): number {
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
