/**
 * What the native stack runs, as plain data: one spec per process with its command line, extra
 * environment, port and readiness URL. Pure, so the command lines (Grafana's included, which
 * cannot run here) are unit-tested without starting anything.
 */
import { join } from "node:path";
import type { Secret } from "../../config/secret.js";
import type { GrafanaInstall, NativeBinaries } from "./binaries.js";
import type { NativePaths } from "./paths.js";
import { PORT_VARIABLES, type NativePorts } from "./settings.js";

export const LISTEN_HOST = "127.0.0.1";

export type ProcessName = "simulator" | "node-exporter" | "alertmanager" | "prometheus" | "grafana";

export interface PortUse {
  readonly port: number;
  readonly variable: string;
}

export interface ProcessSpec {
  readonly name: ProcessName;
  readonly command: string;
  readonly args: readonly string[];
  /** Added to the supervisor's own environment for this process only. */
  readonly env: Readonly<Record<string, string>>;
  /** Every port it listens on and the variable that moves it, for busy-port messages; main port first. */
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

export interface NativePlanInput {
  readonly binaries: NativeBinaries;
  readonly ports: NativePorts;
  readonly paths: NativePaths;
  /** Start the simulator (VLLM_TARGET is empty). */
  readonly demo: boolean;
  readonly cli: CliInvocation;
  /** The Alertmanager config file to load. */
  readonly alertmanagerConfig: string;
  /** Present when Grafana runs (ADMIN_USER / ADMIN_PASSWORD). */
  readonly grafanaAdmin?: GrafanaAdmin;
}

export interface GrafanaAdmin {
  readonly user: string;
  readonly password: Secret;
}

/** Files the stack reads inside the output folder; the renderer writes them there. */
export function renderedFiles(outDir: string): { prometheusConfig: string; grafanaProvisioning: string } {
  return {
    prometheusConfig: join(outDir, "prometheus", "prometheus.yml"),
    grafanaProvisioning: join(outDir, "grafana", "provisioning"),
  };
}

function portUse(key: keyof NativePorts, ports: NativePorts): PortUse {
  return { port: ports[key], variable: PORT_VARIABLES[key].variable };
}

function url(port: number, path: string): string {
  return `http://${LISTEN_HOST}:${port}${path}`;
}

function listen(port: number): string {
  return `${LISTEN_HOST}:${port}`;
}

export function simulatorSpec(input: Pick<NativePlanInput, "cli" | "ports">): ProcessSpec {
  const { cli, ports } = input;
  return {
    name: "simulator",
    command: cli.command,
    args: [...cli.args, "simulate", "--host", LISTEN_HOST, "--port", String(ports.simulator), "--gpu-port", String(ports.simulatorGpu), "--load", "steady"],
    env: {},
    ports: [portUse("simulator", ports), portUse("simulatorGpu", ports)],
    readyUrl: url(ports.simulator, "/health"),
  };
}

export function prometheusSpec(input: Pick<NativePlanInput, "binaries" | "ports" | "paths">): ProcessSpec {
  const { binaries, ports, paths } = input;
  return {
    name: "prometheus",
    command: binaries.prometheus.path,
    args: [
      `--config.file=${renderedFiles(paths.outDir).prometheusConfig}`,
      `--web.listen-address=${listen(ports.prometheus)}`,
      `--storage.tsdb.path=${paths.prometheusData}`,
      // why: lets the targets file and rules be reloaded (POST /-/reload) without a restart.
      "--web.enable-lifecycle",
    ],
    env: {},
    ports: [portUse("prometheus", ports)],
    readyUrl: url(ports.prometheus, "/-/ready"),
  };
}

export function nodeExporterSpec(command: string, ports: NativePorts): ProcessSpec {
  return {
    name: "node-exporter",
    command,
    // why: Debian's build enables the systemd collector, which logs an error every scrape where no systemd bus exists (HPC nodes, containers).
    args: [`--web.listen-address=${listen(ports.nodeExporter)}`, "--no-collector.systemd"],
    env: {},
    ports: [portUse("nodeExporter", ports)],
    readyUrl: url(ports.nodeExporter, "/metrics"),
  };
}

export function alertmanagerSpec(command: string, input: Pick<NativePlanInput, "ports" | "paths" | "alertmanagerConfig">): ProcessSpec {
  const { ports, paths } = input;
  return {
    name: "alertmanager",
    command,
    args: [
      `--config.file=${input.alertmanagerConfig}`,
      `--web.listen-address=${listen(ports.alertmanager)}`,
      `--storage.path=${paths.alertmanagerData}`,
      // why: an empty address turns clustering off; its default binds 0.0.0.0:9094.
      "--cluster.listen-address=",
    ],
    env: {},
    ports: [portUse("alertmanager", ports)],
    readyUrl: url(ports.alertmanager, "/-/ready"),
  };
}

/** Grafana, provisioned from the rendered files; admin credentials only through its environment. */
export function grafanaSpec(grafana: GrafanaInstall, grafanaAdmin: GrafanaAdmin, input: Pick<NativePlanInput, "ports" | "paths">): ProcessSpec {
  const { ports, paths } = input;
  const subcommand = grafana.style === "grafana server" ? ["server"] : [];
  return {
    name: "grafana",
    command: grafana.path,
    args: [...subcommand, "--homepath", grafana.homePath],
    env: {
      GF_PATHS_PROVISIONING: renderedFiles(paths.outDir).grafanaProvisioning,
      GF_PATHS_DATA: paths.grafanaData,
      GF_PATHS_LOGS: join(paths.grafanaData, "log"),
      GF_PATHS_PLUGINS: join(paths.grafanaData, "plugins"),
      GF_SERVER_HTTP_ADDR: LISTEN_HOST,
      GF_SERVER_HTTP_PORT: String(ports.grafana),
      GF_SECURITY_ADMIN_USER: grafanaAdmin.user,
      GF_SECURITY_ADMIN_PASSWORD: grafanaAdmin.password.reveal(),
      GF_AUTH_ANONYMOUS_ENABLED: "false",
      GF_USERS_ALLOW_SIGN_UP: "false",
      GF_ANALYTICS_REPORTING_ENABLED: "false",
      GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
    },
    ports: [portUse("grafana", ports)],
    readyUrl: url(ports.grafana, "/api/health"),
  };
}

/** Every process in start order: what Prometheus scrapes first, then Prometheus, then Grafana. */
export function planNativeProcesses(input: NativePlanInput): ProcessSpec[] {
  const { binaries } = input;
  const specs: ProcessSpec[] = [];
  if (input.demo) specs.push(simulatorSpec(input));
  if (binaries.nodeExporter !== undefined) specs.push(nodeExporterSpec(binaries.nodeExporter.path, input.ports));
  if (binaries.alertmanager !== undefined) specs.push(alertmanagerSpec(binaries.alertmanager.path, input));
  specs.push(prometheusSpec(input));
  if (binaries.grafana !== undefined && input.grafanaAdmin !== undefined) specs.push(grafanaSpec(binaries.grafana, input.grafanaAdmin, input));
  return specs;
}
