import type { Settings } from "../config/load.js";
import { composeAddress, nativePort, type ServiceName } from "../config/services.js";

/**
 * Where the stack's own parts are, as Prometheus and Grafana reach them. Everything optional
 * that is absent gets no scrape job (or no alerting target).
 */
export interface StackEndpoints {
  /** URL Grafana's datasource uses to reach Prometheus. */
  readonly prometheusUrl: string;
  /** `host:port` Prometheus scrapes itself at. */
  readonly prometheusTarget: string;
  /** Demo mode: the simulator's vLLM `host:port` (http, /metrics). Required when VLLM_TARGET is empty. */
  readonly simulatorTarget?: string;
  readonly nodeExporterTarget?: string;
  readonly alertmanagerTarget?: string;
  /** GPU metric endpoints (`host:port`): the simulator's GPU port in demo mode, dcgm-exporter, nvidia_gpu_exporter. */
  readonly gpuTargets: readonly string[];
}

type EndpointSettings = Pick<Settings, "env" | "demo">;

/** The GPU exporter GPU_EXPORTER names, if any: it runs beside the stack, not in it (native mode). */
export function gpuExporterService(settings: EndpointSettings): ServiceName | undefined {
  const exporter = settings.env.GPU_EXPORTER;
  return exporter === "dcgm" ? "dcgm-exporter" : exporter === "nvidia-smi" ? "nvidia-gpu-exporter" : undefined;
}

/**
 * The services a stack runs for these settings: Prometheus, node_exporter, the simulator in demo
 * mode, the GPU exporter GPU_EXPORTER names, and Alertmanager when asked for. Native mode passes
 * what it actually found installed instead.
 */
export function expectedServices(settings: EndpointSettings, options: { alertmanager?: boolean } = {}): Set<ServiceName> {
  const running = new Set<ServiceName>(["prometheus", "node-exporter"]);
  if (settings.demo) {
    running.add("simulator");
    running.add("simulator-gpu");
  }
  const gpu = gpuExporterService(settings);
  if (gpu !== undefined) running.add(gpu);
  if (options.alertmanager === true) running.add("alertmanager");
  return running;
}

function endpointsFrom(settings: EndpointSettings, running: ReadonlySet<ServiceName>, address: (name: ServiceName) => string): StackEndpoints {
  const at = (name: ServiceName): string | undefined => (running.has(name) ? address(name) : undefined);
  const simulatorTarget = settings.demo ? at("simulator") : undefined;
  const nodeExporterTarget = at("node-exporter");
  const alertmanagerTarget = at("alertmanager");
  const gpu = gpuExporterService(settings);
  const gpuTargets = [settings.demo ? at("simulator-gpu") : undefined, gpu === undefined ? undefined : at(gpu)];
  return {
    prometheusUrl: `http://${address("prometheus")}`,
    prometheusTarget: address("prometheus"),
    ...(simulatorTarget === undefined ? {} : { simulatorTarget }),
    ...(nodeExporterTarget === undefined ? {} : { nodeExporterTarget }),
    ...(alertmanagerTarget === undefined ? {} : { alertmanagerTarget }),
    gpuTargets: gpuTargets.filter((target): target is string => target !== undefined),
  };
}

/** Endpoints of the compose stack: service names and the services' own ports. Pure. */
export function composeEndpoints(settings: EndpointSettings, running: ReadonlySet<ServiceName> = expectedServices(settings)): StackEndpoints {
  return endpointsFrom(settings, running, composeAddress);
}

/** Endpoints of the native stack: everything on 127.0.0.1 at the ports the settings give. Pure. */
export function nativeEndpoints(settings: EndpointSettings, running: ReadonlySet<ServiceName> = expectedServices(settings)): StackEndpoints {
  return endpointsFrom(settings, running, (name) => `${LISTEN_HOST}:${nativePort(name, settings)}`);
}

/** Native mode listens on loopback only. */
export const LISTEN_HOST = "127.0.0.1";
