import type { MonitorConfig } from "../config/load.js";

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

/** Service names and ports of docker-compose.yml. */
export const COMPOSE_SERVICES = {
  prometheus: "prometheus:9090",
  simulator: "simulator:8000",
  simulatorGpu: "simulator:9400",
  nodeExporter: "node-exporter:9100",
  dcgmExporter: "dcgm-exporter:9400",
  nvidiaGpuExporter: "nvidia-gpu-exporter:9835",
  alertmanager: "alertmanager:9093",
} as const;

/**
 * Endpoints of the compose stack. Alertmanager runs only under the `alerts` profile, so it is
 * a target only when asked for. Pure.
 */
export function composeEndpoints(config: MonitorConfig, options: { alertmanager?: boolean } = {}): StackEndpoints {
  return {
    prometheusUrl: `http://${COMPOSE_SERVICES.prometheus}`,
    prometheusTarget: "localhost:9090",
    ...(config.demo ? { simulatorTarget: COMPOSE_SERVICES.simulator } : {}),
    nodeExporterTarget: COMPOSE_SERVICES.nodeExporter,
    ...(options.alertmanager === true ? { alertmanagerTarget: COMPOSE_SERVICES.alertmanager } : {}),
    gpuTargets: gpuTargetsFor(config, {
      simulatorGpu: COMPOSE_SERVICES.simulatorGpu,
      dcgm: COMPOSE_SERVICES.dcgmExporter,
      nvidiaSmi: COMPOSE_SERVICES.nvidiaGpuExporter,
    }),
  };
}

/** Ports of the native stack's processes, all on 127.0.0.1; leave out what does not run. */
export interface NativePorts {
  readonly prometheus: number;
  readonly simulator?: number;
  readonly simulatorGpu?: number;
  readonly nodeExporter?: number;
  readonly alertmanager?: number;
  /** dcgm-exporter (9400) or nvidia_gpu_exporter (9835) when one runs on this host. */
  readonly gpuExporter?: number;
}

/** Endpoints of the native stack: everything on 127.0.0.1 at the given ports. Pure. */
export function nativeEndpoints(config: MonitorConfig, ports: NativePorts): StackEndpoints {
  const local = (port: number | undefined): string | undefined => (port === undefined ? undefined : `127.0.0.1:${port}`);
  const simulatorTarget = config.demo ? local(ports.simulator) : undefined;
  const nodeExporterTarget = local(ports.nodeExporter);
  const alertmanagerTarget = local(ports.alertmanager);
  const gpuTargets = [config.demo ? local(ports.simulatorGpu) : undefined, config.gpuExporter === "none" ? undefined : local(ports.gpuExporter)];
  return {
    prometheusUrl: `http://127.0.0.1:${ports.prometheus}`,
    prometheusTarget: `127.0.0.1:${ports.prometheus}`,
    ...(simulatorTarget === undefined ? {} : { simulatorTarget }),
    ...(nodeExporterTarget === undefined ? {} : { nodeExporterTarget }),
    ...(alertmanagerTarget === undefined ? {} : { alertmanagerTarget }),
    gpuTargets: gpuTargets.filter((target): target is string => target !== undefined),
  };
}

function gpuTargetsFor(config: MonitorConfig, where: { simulatorGpu: string; dcgm: string; nvidiaSmi: string }): string[] {
  const targets: string[] = [];
  if (config.demo) targets.push(where.simulatorGpu);
  if (config.gpuExporter === "dcgm") targets.push(where.dcgm);
  if (config.gpuExporter === "nvidia-smi") targets.push(where.nvidiaSmi);
  return targets;
}
