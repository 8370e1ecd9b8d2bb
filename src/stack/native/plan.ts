/**
 * What the native stack runs, as plain data: one spec per process with its command line, extra
 * environment, ports and readiness URL. Ports and the variables that move them come from the
 * service table. Pure, so the command lines (Grafana's included, which cannot run here) are
 * unit-tested without starting anything.
 */
import { join } from "node:path";
import type { Settings } from "../../config/load.js";
import { nativePort, portVariable, servicesOfProcess, type ProcessName, type ServiceName } from "../../config/services.js";
import { UserError } from "../../errors.js";
import { LISTEN_HOST } from "../../render/endpoints.js";
import type { GrafanaAdmin } from "../../render/compose-env.js";
import { agentFlag, type PrometheusVersion } from "../../prometheus/version.js";
import type { GrafanaInstall, NativeBinaries } from "./binaries.js";
import type { NativePaths } from "./paths.js";

/**
 * What the demo's simulator switches on, so every panel (the optional rows too) has data: the
 * newest vLLM line, speculative decoding, LoRA, MFU counters, block residency, NIXL plus offloading,
 * multimodal inputs and an admission cap. docker-compose.yml's simulator command lists the same.
 */
export const DEMO_FEATURES = [
  "--metrics-version",
  "0.32",
  "--speculative",
  "3",
  "--lora-adapters",
  "3",
  "--enable-mfu-metrics",
  "--kv-cache-metrics",
  "--kv-connector",
  "multi",
  "--multimodal",
  "--max-num-queued-reqs",
  "64",
] as const;

export interface PortUse {
  readonly port: number;
  /** The variable that moves it, named in busy-port messages. */
  readonly variable?: string;
}

export interface ProcessSpec {
  readonly name: ProcessName;
  /** The services of the table it provides (the simulator serves vLLM and GPU metrics). */
  readonly services: readonly ServiceName[];
  readonly command: string;
  readonly args: readonly string[];
  /** Added to the supervisor's own environment for this process only. */
  readonly env: Readonly<Record<string, string>>;
  /** Every port it listens on, main port first. */
  readonly ports: readonly PortUse[];
  /** Answers 2xx once the process serves. */
  readonly readyUrl: string;
}

/** How to run this package's own CLI in a child process (the simulator). */
export interface CliInvocation {
  readonly command: string;
  /** Everything before the subcommand: node flags and the CLI entry file. */
  readonly args: readonly string[];
}

type PlanSettings = Pick<Settings, "env" | "demo">;

export interface NativePlanInput {
  readonly binaries: NativeBinaries;
  readonly settings: PlanSettings;
  readonly paths: NativePaths;
  readonly cli: CliInvocation;
  /** The Alertmanager config file to load. */
  readonly alertmanagerConfig: string;
  /** Present when Grafana runs. */
  readonly grafanaAdmin?: GrafanaAdmin;
  /** The installed Prometheus's version; needed in agent mode, whose flag differs between 2.x and 3.x. */
  readonly prometheusVersion?: PrometheusVersion;
  /** `--storage.tsdb.retention.size` (PROMETHEUS_RETENTION_SIZE, or the default sized from free space). */
  readonly retentionSize?: string;
}

/** Files the stack reads inside the output folder; the renderer writes them there. */
export function renderedFiles(outDir: string): { prometheusConfig: string; grafanaProvisioning: string } {
  return {
    prometheusConfig: join(outDir, "prometheus", "prometheus.yml"),
    grafanaProvisioning: join(outDir, "grafana", "provisioning"),
  };
}

function portUse(name: ServiceName, settings: PlanSettings): PortUse {
  const variable = portVariable(name);
  return { port: nativePort(name, settings), ...(variable === undefined ? {} : { variable }) };
}

function url(port: number, path: string): string {
  return `http://${LISTEN_HOST}:${port}${path}`;
}

function listen(port: number): string {
  return `${LISTEN_HOST}:${port}`;
}

export function simulatorSpec(input: Pick<NativePlanInput, "cli" | "settings">): ProcessSpec {
  const { cli, settings } = input;
  const [vllmPort, gpuPort] = [portUse("simulator", settings), portUse("simulator-gpu", settings)];
  return {
    name: "simulator",
    services: servicesOfProcess("simulator"),
    command: cli.command,
    // why: the demo turns on speculative decoding and LoRA so every panel, the optional rows too, has data.
    args: [
      ...cli.args,
      "simulate",
      "--host",
      LISTEN_HOST,
      "--port",
      String(vllmPort.port),
      "--gpu-port",
      String(gpuPort.port),
      "--load",
      "steady",
      ...DEMO_FEATURES,
    ],
    env: {},
    ports: [vllmPort, gpuPort],
    readyUrl: url(vllmPort.port, "/health"),
  };
}

/** A server keeps a TSDB; an agent only a write-ahead log, in its own folder (the two formats must not meet). */
function storageArgs(input: Pick<NativePlanInput, "settings" | "paths" | "prometheusVersion" | "retentionSize">): string[] {
  const { env } = input.settings;
  if (env.PROMETHEUS_MODE !== "agent") {
    // why: retentionSize is PROMETHEUS_RETENTION_SIZE, or in native mode a default from the data folder's free space.
    const size = env.PROMETHEUS_RETENTION_SIZE ?? input.retentionSize;
    return [
      `--storage.tsdb.path=${input.paths.prometheusData}`,
      `--storage.tsdb.retention.time=${env.PROMETHEUS_RETENTION_TIME}`,
      ...(size === undefined ? [] : [`--storage.tsdb.retention.size=${size}`]),
    ];
  }
  if (input.prometheusVersion === undefined)
    throw new Error("agent mode needs the Prometheus version (its flag differs between 2.x and 3.x)");
  return [agentFlag(input.prometheusVersion), `--storage.agent.path=${input.paths.prometheusAgentData}`];
}

export function prometheusSpec(
  input: Pick<NativePlanInput, "binaries" | "settings" | "paths" | "prometheusVersion" | "retentionSize">,
): ProcessSpec {
  const { binaries, settings, paths } = input;
  const own = portUse("prometheus", settings);
  return {
    name: "prometheus",
    services: ["prometheus"],
    command: binaries.prometheus.path,
    args: [
      `--config.file=${renderedFiles(paths.outDir).prometheusConfig}`,
      `--web.listen-address=${listen(own.port)}`,
      ...storageArgs(input),
      // why: `vllm-monitor reload` re-reads the config, rules and targets (POST /-/reload) without a restart.
      "--web.enable-lifecycle",
    ],
    env: {},
    ports: [own],
    readyUrl: url(own.port, "/-/ready"),
  };
}

export function nodeExporterSpec(command: string, settings: PlanSettings): ProcessSpec {
  const own = portUse("node-exporter", settings);
  return {
    name: "node-exporter",
    services: ["node-exporter"],
    command,
    // why: Debian's build enables the systemd collector, which logs an error every scrape where no systemd bus exists (HPC nodes, containers).
    args: [`--web.listen-address=${listen(own.port)}`, "--no-collector.systemd"],
    env: {},
    ports: [own],
    readyUrl: url(own.port, "/metrics"),
  };
}

export function alertmanagerSpec(command: string, input: Pick<NativePlanInput, "settings" | "paths" | "alertmanagerConfig">): ProcessSpec {
  const own = portUse("alertmanager", input.settings);
  return {
    name: "alertmanager",
    services: ["alertmanager"],
    command,
    args: [
      `--config.file=${input.alertmanagerConfig}`,
      `--web.listen-address=${listen(own.port)}`,
      `--storage.path=${input.paths.alertmanagerData}`,
      // why: an empty address turns clustering off; its default binds 0.0.0.0:9094.
      "--cluster.listen-address=",
    ],
    env: {},
    ports: [own],
    readyUrl: url(own.port, "/-/ready"),
  };
}

/** Grafana, provisioned from the rendered files; admin credentials only through its environment. */
export function grafanaSpec(
  grafana: GrafanaInstall,
  grafanaAdmin: GrafanaAdmin,
  input: Pick<NativePlanInput, "settings" | "paths">,
): ProcessSpec {
  const { paths } = input;
  const own = portUse("grafana", input.settings);
  const subcommand = grafana.style === "grafana server" ? ["server"] : [];
  return {
    name: "grafana",
    services: ["grafana"],
    command: grafana.path,
    args: [...subcommand, "--homepath", grafana.homePath],
    env: {
      GF_PATHS_PROVISIONING: renderedFiles(paths.outDir).grafanaProvisioning,
      GF_PATHS_DATA: paths.grafanaData,
      GF_PATHS_LOGS: join(paths.grafanaData, "log"),
      GF_PATHS_PLUGINS: join(paths.grafanaData, "plugins"),
      GF_SERVER_HTTP_ADDR: LISTEN_HOST,
      GF_SERVER_HTTP_PORT: String(own.port),
      GF_SECURITY_ADMIN_USER: grafanaAdmin.user.reveal(),
      GF_SECURITY_ADMIN_PASSWORD: grafanaAdmin.password.reveal(),
      GF_AUTH_ANONYMOUS_ENABLED: "false",
      GF_USERS_ALLOW_SIGN_UP: "false",
      GF_ANALYTICS_REPORTING_ENABLED: "false",
      GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
    },
    ports: [own],
    readyUrl: url(own.port, "/api/health"),
  };
}

/**
 * The built-in dashboard viewer (`vllm-monitor view`) where no Grafana is installed: the same
 * address Grafana would have (GRAFANA_PORT on 127.0.0.1), reading this stack's Prometheus.
 */
export function viewerSpec(input: Pick<NativePlanInput, "cli" | "settings">): ProcessSpec {
  const { cli, settings } = input;
  const own = portUse("grafana", settings);
  const prometheus = portUse("prometheus", settings);
  return {
    name: "viewer",
    services: [],
    command: cli.command,
    args: [
      ...cli.args,
      "view",
      "--prometheus",
      url(prometheus.port, ""),
      "--port",
      String(own.port),
      "--scrape-interval",
      settings.env.SCRAPE_INTERVAL,
    ],
    env: {},
    ports: [own],
    readyUrl: url(own.port, "/api/dashboards"),
  };
}

/**
 * Every process in launch order (the supervisor starts them all at once): Prometheus, then what it
 * scrapes, then Grafana (or the viewer).
 * Two planned processes on one port are an error naming both variables.
 */
export function planNativeProcesses(input: NativePlanInput): ProcessSpec[] {
  const { binaries, settings } = input;
  // why: an agent forwards; alerts and dashboards live on the central side, which reads what it sends.
  const agent = settings.env.PROMETHEUS_MODE === "agent";
  // why: launched first, Prometheus's start-up (the slowest) begins first; its scrape loops then reach the simulator
  // and exporters as soon as they answer, so their first samples come within a scrape of Prometheus being ready.
  const specs: ProcessSpec[] = [prometheusSpec(input)];
  if (settings.demo) specs.push(simulatorSpec(input));
  if (binaries.nodeExporter !== undefined) specs.push(nodeExporterSpec(binaries.nodeExporter.path, settings));
  if (binaries.alertmanager !== undefined && !agent) specs.push(alertmanagerSpec(binaries.alertmanager.path, input));
  if (binaries.grafana !== undefined && input.grafanaAdmin !== undefined && !agent)
    specs.push(grafanaSpec(binaries.grafana, input.grafanaAdmin, input));
  else if (!agent) specs.push(viewerSpec(input));
  assertDistinctPorts(specs);
  return specs;
}

function assertDistinctPorts(specs: readonly ProcessSpec[]): void {
  const seen = new Map<number, string>();
  const problems: string[] = [];
  for (const spec of specs) {
    for (const use of spec.ports) {
      const name = use.variable ?? `${spec.name}'s port`;
      const other = seen.get(use.port);
      if (other !== undefined) problems.push(`${name} and ${other} are both ${use.port}: give each process its own port in .env`);
      else seen.set(use.port, name);
    }
  }
  if (problems.length > 0) throw new UserError("Invalid port settings for the native stack.", problems);
}

/** The services the planned processes provide. */
export function plannedServices(specs: readonly ProcessSpec[]): Set<ServiceName> {
  return new Set(specs.flatMap((spec) => spec.services));
}
