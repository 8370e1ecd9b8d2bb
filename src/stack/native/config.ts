/**
 * The shared configuration as the native stack needs it, and rendering the shared templates with
 * native addresses: everything on 127.0.0.1, paths in the output folder.
 */
import { loadConfig, type MonitorConfig } from "../../config/index.js";
import { UserError } from "../../errors.js";
import type { Secret } from "../../config/secret.js";
import { nativeEndpoints } from "../../render/endpoints.js";
import { writeStackConfig } from "../../render/index.js";
import type { ProcessSpec } from "./plan.js";
import { PORT_VARIABLES, type NativePorts } from "./settings.js";

/** Variables only the native stack reads (the shared loader notes them as unknown; they are not). */
export const NATIVE_VARIABLES = [
  ...Object.values(PORT_VARIABLES).map((entry) => entry.variable),
  "PROMETHEUS_BIN",
  "NODE_EXPORTER_BIN",
  "ALERTMANAGER_BIN",
  "GRAFANA_BIN",
  "GRAFANA_HOME",
] as const;

export interface NativeConfig {
  readonly monitor: MonitorConfig;
  readonly demo: boolean;
  readonly grafanaAdmin: { readonly user: string; readonly password: Secret } | undefined;
  /** Notes for the user, without the ones about native variables. */
  readonly notes: readonly string[];
}

/** Loads the shared config; ADMIN_PASSWORD is required only when Grafana will run. */
export function loadNativeConfig(envFile: string, withGrafana: boolean): NativeConfig {
  const monitor = loadConfig({ envFile, requireGrafanaCredentials: withGrafana });
  const password = monitor.adminPassword;
  if (withGrafana && password === undefined) throw new UserError("ADMIN_PASSWORD is missing; Grafana must not start with a default password.");
  const notes = monitor.notes.filter((note) => !NATIVE_VARIABLES.some((name) => note.includes(` ${name} is not a vllm-monitor variable`)));
  return {
    monitor,
    demo: monitor.demo,
    grafanaAdmin: password === undefined ? undefined : { user: monitor.adminUser.reveal(), password },
    notes,
  };
}

/** External GPU exporters a user may run on this host next to the native stack, at their default ports. */
const GPU_EXPORTER_PORTS = { dcgm: 9400, "nvidia-smi": 9835 } as const;

/** Renders prometheus.yml, secrets, targets, rules and Grafana provisioning for native addresses. */
export async function renderNativeConfig(monitor: MonitorConfig, outDir: string, ports: NativePorts, specs: readonly ProcessSpec[]): Promise<void> {
  const runs = (name: ProcessSpec["name"]): boolean => specs.some((spec) => spec.name === name);
  const endpoints = nativeEndpoints(monitor, {
    prometheus: ports.prometheus,
    ...(runs("simulator") ? { simulator: ports.simulator, simulatorGpu: ports.simulatorGpu } : {}),
    ...(runs("node-exporter") ? { nodeExporter: ports.nodeExporter } : {}),
    ...(runs("alertmanager") ? { alertmanager: ports.alertmanager } : {}),
    ...(monitor.gpuExporter === "none" ? {} : { gpuExporter: GPU_EXPORTER_PORTS[monitor.gpuExporter] }),
  });
  await writeStackConfig(monitor, { mode: "native", outDir, endpoints });
}
