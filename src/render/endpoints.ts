import type { Settings } from "../config/load.js";
import { EXPORTER_KINDS, type ExporterKind } from "../config/exporter-targets.js";
import {
  composeAddress,
  gpuExporterServiceOf,
  nativePort,
  profilesFor,
  service,
  SERVICES,
  type Service,
  type ServiceName,
} from "../config/services.js";

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
  readonly alertmanagerTarget?: string;
  /**
   * The stack's own exporter endpoints (`host:port`) by exporter job, from the services the table
   * says each job scrapes: node_exporter; the simulator's GPU page in demo mode, the GPU exporter.
   */
  readonly exporterTargets: Readonly<Record<ExporterKind, readonly string[]>>;
}

type EndpointSettings = Pick<Settings, "env" | "demo">;

/** The GPU exporter GPU_EXPORTER names, if any: it runs beside the stack, not in it (native mode). */
export function gpuExporterService(settings: EndpointSettings): ServiceName | undefined {
  return gpuExporterServiceOf(settings.env.GPU_EXPORTER)?.name;
}

/**
 * The services a stack runs for these settings, besides Grafana, from the service table: those
 * without a profile (Prometheus, node_exporter), the profiles the settings start (the simulator
 * in demo mode, the GPU exporter GPU_EXPORTER names), and Alertmanager's when asked for. Native
 * mode passes what it actually found installed instead.
 */
export function expectedServices(settings: EndpointSettings, options: { alertmanager?: boolean } = {}): Set<ServiceName> {
  const profiles = new Set<string | undefined>([undefined, ...profilesFor(settings)]);
  if (options.alertmanager === true) profiles.add(service("alertmanager").profile);
  // why: nothing scrapes or alerts to Grafana, and an agent runs none.
  return new Set(SERVICES.filter((row) => row.name !== "grafana" && profiles.has(row.profile)).map((row) => row.name));
}

function endpointsFrom(
  settings: EndpointSettings,
  running: ReadonlySet<ServiceName>,
  address: (name: ServiceName) => string,
): StackEndpoints {
  const at = (name: ServiceName): string | undefined => (running.has(name) ? address(name) : undefined);
  const simulatorTarget = settings.demo ? at("simulator") : undefined;
  const alertmanagerTarget = at("alertmanager");
  // why: a native stack switched out of demo mode keeps its simulator running, unscraped, until it restarts.
  const scraped = (row: Service): boolean => settings.demo || row.profile !== service("simulator").profile;
  const exporterTargets = Object.fromEntries(
    EXPORTER_KINDS.map((kind) => [
      kind,
      SERVICES.filter((row) => row.scrapedAs === kind && scraped(row)).flatMap((row) => at(row.name) ?? []),
    ]),
  ) as Record<ExporterKind, string[]>;
  return {
    prometheusUrl: `http://${address("prometheus")}`,
    prometheusTarget: address("prometheus"),
    ...(simulatorTarget === undefined ? {} : { simulatorTarget }),
    ...(alertmanagerTarget === undefined ? {} : { alertmanagerTarget }),
    exporterTargets,
  };
}

/** Endpoints of the compose stack: service names and the services' own ports. Pure. */
export function composeEndpoints(
  settings: EndpointSettings,
  running: ReadonlySet<ServiceName> = expectedServices(settings),
): StackEndpoints {
  return endpointsFrom(settings, running, composeAddress);
}

/** Endpoints of the native stack: everything on 127.0.0.1 at the ports the settings give. Pure. */
export function nativeEndpoints(
  settings: EndpointSettings,
  running: ReadonlySet<ServiceName> = expectedServices(settings),
): StackEndpoints {
  return endpointsFrom(settings, running, (name) => `${LISTEN_HOST}:${nativePort(name, settings)}`);
}

/** Native mode listens on loopback only. */
export const LISTEN_HOST = "127.0.0.1";
