import { join } from "node:path";

/** The default output folder (gitignored). */
export const DEFAULT_OUT_DIR = "build";

/** Written into every output folder; `clean` deletes only folders that hold it. */
export const OUTPUT_MARKER = ".vllm-monitor-output";

/**
 * Paths inside the output folder, relative to it. Compose mounts `prometheus/` at
 * /etc/prometheus and the Grafana folders as below; native mode uses them where they are.
 */
export const OUTPUT_LAYOUT = {
  composeEnv: "compose.env",
  prometheusDir: "prometheus",
  prometheusConfig: "prometheus/prometheus.yml",
  tokenFile: "prometheus/secrets/vllm_token",
  caFile: "prometheus/secrets/vllm_ca.pem",
  targetsDir: "prometheus/targets",
  vllmTargets: "prometheus/targets/vllm.json",
  rulesDir: "prometheus/rules",
  grafanaDir: "grafana",
  datasource: "grafana/provisioning/datasources/prometheus.yml",
  dashboardProvider: "grafana/provisioning/dashboards/vllm-monitor.yml",
  dashboardsDir: "grafana/dashboards",
  nodeTargets: "prometheus/targets/node.json",
  gpuTargets: "prometheus/targets/gpu.json",
  remoteWriteTokenFile: "prometheus/secrets/remote_write_token",
  remoteWritePasswordFile: "prometheus/secrets/remote_write_password",
  remoteWriteCaFile: "prometheus/secrets/remote_write_ca.pem",
} as const;

export type StackMode = "compose" | "native";

/** Where the compose file mounts the output folders inside the containers. */
const CONTAINER_ROOTS: Readonly<Record<"prometheus" | "alertmanager" | "grafana/provisioning" | "grafana/dashboards", string>> = {
  prometheus: "/etc/prometheus",
  alertmanager: "/etc/alertmanager",
  "grafana/provisioning": "/etc/grafana/provisioning",
  "grafana/dashboards": "/var/lib/grafana/dashboards",
};

/**
 * The path a process sees for a file of the output folder: inside the container in compose
 * mode, the absolute host path in native mode. Pure.
 */
export function runtimePath(mode: StackMode, outDir: string, relative: string): string {
  if (mode === "native") return join(outDir, relative);
  for (const [prefix, mounted] of Object.entries(CONTAINER_ROOTS)) {
    if (relative === prefix) return mounted;
    if (relative.startsWith(`${prefix}/`)) return `${mounted}/${relative.slice(prefix.length + 1)}`;
  }
  throw new Error(`${relative} is not mounted into any container`);
}
