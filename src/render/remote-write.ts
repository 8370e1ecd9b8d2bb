/**
 * The parts of prometheus.yml that let one Prometheus (or agent) stand among many: the common
 * `hostname` target label, remote write with its credentials in files, and agent mode's missing
 * rules and alerting. Pure: values in, JSON-ready objects out (the renderer writes them).
 */
import { readFile } from "node:fs/promises";
import { monitorName, type Settings } from "../config/load.js";
import { EXPORTER_KINDS, type ExporterKind, type ExporterTarget } from "../config/exporter-targets.js";
import type { StackEndpoints } from "./endpoints.js";
import { OUTPUT_LAYOUT } from "./layout.js";

/** The target label every job carries: one host's vLLM, GPUs and node metrics share its value. */
export const HOSTNAME_LABEL = "hostname";

// why: an address on loopback (or Docker's host alias) is this machine, whatever it is called elsewhere.
const LOCAL_HOSTS = "localhost|127(?:\\.[0-9]+){3}|\\[::1\\]|host\\.docker\\.internal";

interface RelabelConfig {
  readonly source_labels: readonly string[];
  readonly regex: string;
  readonly target_label: string;
  readonly replacement: string;
}

/**
 * `relabel_configs` that set `hostname` from the target's address when its file_sd group did not
 * set one: loopback names become this machine's name, `[v6]:port` the address, `host:port` the host.
 * A label given in file_sd wins, because each rule only matches while `hostname` is still empty.
 */
export function hostnameRelabelConfigs(localHostName: string): RelabelConfig[] {
  const whenUnset = (address: string, replacement: string): RelabelConfig => ({
    source_labels: [HOSTNAME_LABEL, "__address__"],
    regex: `;${address}(?::[0-9]+)?`,
    target_label: HOSTNAME_LABEL,
    replacement,
  });
  return [
    // why: `$` starts a group reference in a replacement; a host name holding one must stay literal.
    whenUnset(`(?:${LOCAL_HOSTS})`, localHostName.replace(/\$/g, "$$$$")),
    whenUnset("\\[([^\\]]+)\\]", "$1"),
    whenUnset("([^:]+)", "$1"),
  ];
}

export type FileSdGroup = { targets: string[]; labels: Record<string, string> };

/** One file_sd group of the stack's own targets on this machine, labelled with its name. */
export function ownTargetGroups(addresses: readonly string[], hostName: string): FileSdGroup[] {
  return addresses.length === 0 ? [] : [{ targets: [...addresses], labels: { [HOSTNAME_LABEL]: hostName } }];
}

/** Groups of targets by scheme and path (file_sd has no per-target scheme); `hostname` is left to relabeling. */
export function targetGroups(targets: readonly { address: string; scheme: string; metricsPath: string }[]): FileSdGroup[] {
  const groups = new Map<string, FileSdGroup>();
  for (const target of targets) {
    const key = `${target.scheme} ${target.metricsPath}`;
    const group = groups.get(key) ?? { targets: [], labels: { __scheme__: target.scheme, __metrics_path__: target.metricsPath } };
    group.targets.push(target.address);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** Each exporter job's targets file (`targets/node.json`, `targets/gpu.json`): this host's exporters (unless listed by the user too), then the listed ones. */
export function exporterTargetGroups(
  settings: Pick<Settings, "exporters" | "hostName">,
  endpoints: StackEndpoints,
): Record<ExporterKind, FileSdGroup[]> {
  const groups = EXPORTER_KINDS.map((kind) => {
    const { listed, fromFile } = settings.exporters[kind];
    const own = ownTargetsNotListed(endpoints.exporterTargets[kind], [...listed, ...fromFile]);
    return [kind, [...ownTargetGroups(own, settings.hostName), ...targetGroups(listed)]] as const;
  });
  return Object.fromEntries(groups) as Record<ExporterKind, FileSdGroup[]>;
}

const LOOPBACK = /^(?:localhost|127(?:\.[0-9]+){3}|\[::1\])(:[0-9]+)$/;

/** `127.0.0.1:9100`, `localhost:9100` and `[::1]:9100` name one endpoint. */
export function sameEndpoint(a: string, b: string): boolean {
  const local = (address: string) => LOOPBACK.exec(address)?.[1];
  const portA = local(a);
  return a === b || (portA !== undefined && portA === local(b));
}

/**
 * The stack's own exporters minus those the user lists too: the user's entry (with its labels,
 * e.g. a hostname override) is the one scraped, never both.
 */
export function ownTargetsNotListed(own: readonly string[], listed: readonly ExporterTarget[]): string[] {
  return own.filter((address) => !listed.some((target) => sameEndpoint(address, target.address)));
}

type FleetSettings = Pick<Settings, "env" | "hostName">;

/**
 * `remote_write` for REMOTE_WRITE_URL (empty without one): credentials only through files (`at`
 * maps a path of the output folder to where Prometheus sees it), and `write_relabel_configs`
 * keeping just the series in `keep` (what dashboards and rules read).
 */
export function remoteWriteConfigs(
  settings: FleetSettings,
  at: (relative: string) => string,
  keep: readonly string[],
): Record<string, unknown>[] {
  const { env } = settings;
  if (env.REMOTE_WRITE_URL === undefined) return [];
  return [
    {
      url: env.REMOTE_WRITE_URL,
      ...(env.REMOTE_WRITE_BEARER_TOKEN === undefined
        ? {}
        : { authorization: { type: "Bearer", credentials_file: at(OUTPUT_LAYOUT.remoteWriteTokenFile) } }),
      ...(env.REMOTE_WRITE_USERNAME === undefined
        ? {}
        : { basic_auth: { username: env.REMOTE_WRITE_USERNAME, password_file: at(OUTPUT_LAYOUT.remoteWritePasswordFile) } }),
      ...(env.REMOTE_WRITE_CA_FILE === undefined ? {} : { tls_config: { ca_file: at(OUTPUT_LAYOUT.remoteWriteCaFile) } }),
      ...(env.REMOTE_WRITE_HEADERS === undefined || Object.keys(env.REMOTE_WRITE_HEADERS).length === 0
        ? {}
        : { headers: { ...env.REMOTE_WRITE_HEADERS } }),
      write_relabel_configs: [keepOnly(keep)],
      // why: metadata covers every scraped family, kept or not; no dashboard or rule reads it.
      metadata_config: { send: false },
    },
  ];
}

/** A relabel rule keeping only the series named in `names`. */
function keepOnly(names: readonly string[]): { source_labels: string[]; regex: string; action: "keep" } {
  return { source_labels: ["__name__"], regex: names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), action: "keep" };
}

/**
 * `metric_relabel_configs` an agent adds to every job: nothing reads a series here, so what remote
 * write would not send is dropped at the scrape and never reaches the write-ahead log (less memory
 * and CPU on every GPU node). A server keeps everything for its own dashboards and rules.
 */
export function agentScrapeKeep(
  settings: Pick<Settings, "env">,
  keep: readonly string[],
): { source_labels: string[]; regex: string; action: "keep" }[] {
  return isAgent(settings) ? [keepOnly(keep)] : [];
}

/** The external label that names this sender in the central store and on its alerts. */
export function externalLabels(settings: FleetSettings): Record<string, string> {
  return { monitor: monitorName(settings) };
}

/** Agent mode evaluates no rules and sends no alerts (Prometheus refuses both in an agent's config). */
export function isAgent(settings: Pick<Settings, "env">): boolean {
  return settings.env.PROMETHEUS_MODE === "agent";
}

/** The remote-write secrets and CA as files of the output folder (0600, like every rendered file). Reads the CA file. */
export async function remoteWriteFiles(settings: Pick<Settings, "env">): Promise<{ path: string; content: string | Uint8Array }[]> {
  const { env } = settings;
  if (env.REMOTE_WRITE_URL === undefined) return [];
  return [
    ...(env.REMOTE_WRITE_BEARER_TOKEN === undefined
      ? []
      : [{ path: OUTPUT_LAYOUT.remoteWriteTokenFile, content: env.REMOTE_WRITE_BEARER_TOKEN.reveal() }]),
    ...(env.REMOTE_WRITE_PASSWORD === undefined
      ? []
      : [{ path: OUTPUT_LAYOUT.remoteWritePasswordFile, content: env.REMOTE_WRITE_PASSWORD.reveal() }]),
    ...(env.REMOTE_WRITE_CA_FILE === undefined
      ? []
      : [{ path: OUTPUT_LAYOUT.remoteWriteCaFile, content: await readFile(env.REMOTE_WRITE_CA_FILE) }]),
  ];
}

/**
 * The fleet's placeholders of prometheus.yml: external labels, rules and alerting (none for an
 * agent), remote write, the hostname relabeling and Prometheus's own target, as JSON values.
 */
export function fleetPlaceholders(
  settings: FleetSettings,
  endpoints: StackEndpoints,
  at: (relative: string) => string,
  readSeries: readonly string[],
): Record<string, unknown> {
  const agent = isAgent(settings);
  const alertmanagers = endpoints.alertmanagerTarget === undefined ? [] : [endpoints.alertmanagerTarget];
  return {
    EXTERNAL_LABELS: externalLabels(settings),
    PROMETHEUS_RULE_FILES: agent ? [] : [`${at(OUTPUT_LAYOUT.rulesDir)}/*.yml`],
    ALERTING_CONFIG: agent ? {} : { alertmanagers: [{ static_configs: [{ targets: alertmanagers }] }] },
    REMOTE_WRITE_CONFIGS: remoteWriteConfigs(settings, at, readSeries),
    HOSTNAME_RELABEL_CONFIGS: hostnameRelabelConfigs(settings.hostName),
    AGENT_METRIC_RELABEL_CONFIGS: agentScrapeKeep(settings, readSeries),
    PROMETHEUS_SELF_TARGETS: ownTargetGroups([endpoints.prometheusTarget], settings.hostName),
    // why: AlertmanagerNotificationsFailing reads Alertmanager's own counters; none when no Alertmanager runs.
    ALERTMANAGER_SELF_TARGETS: agent ? [] : ownTargetGroups(alertmanagers, settings.hostName),
  };
}
