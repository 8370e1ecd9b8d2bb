import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import type { Settings } from "../config/load.js";
import { UserError } from "../errors.js";
import { buildMixin, mixinConfig, seriesReadByMixin } from "../mixin/index.js";
import { metricRelabelDrops } from "../mixin/rules/index.js";
import { composeEnvText, type GrafanaAdmin, type HostUser } from "./compose-env.js";
import type { StackEndpoints } from "./endpoints.js";
import { HOSTNAME_LABEL, agentScrapeKeep, exporterTargetGroups, fleetPlaceholders, isAgent, remoteWriteFiles, targetGroups, type FileSdGroup } from "./remote-write.js";
import { OUTPUT_LAYOUT, runtimePath, type StackMode } from "./layout.js";
import { formatOf, renderTemplateCollecting, type TemplateValue } from "./template.js";
import type { PrometheusVersion } from "../prometheus/version.js";

/** Which half of the stack to render; compose.env is part of both. `rules`: only the rule files, for a central ruler (vmalert, Mimir). */
export type StackPart = "prometheus" | "grafana" | "all" | "rules";

/** One file of the output folder, in memory. */
export interface OutputFile {
  /** Relative to the output folder, `/`-separated. */
  readonly path: string;
  readonly content: string | Uint8Array;
}

export interface RenderStackOptions {
  readonly mode: StackMode;
  /** The output folder; native mode writes absolute paths under it into the configs. */
  readonly outDir: string;
  readonly endpoints: StackEndpoints;
  readonly part?: StackPart;
  /** Defaults to the package's templates/ folder. */
  readonly templatesDir?: string;
  /** Owner compose runs Prometheus and Grafana as; defaults to this process's user. */
  readonly hostUser?: HostUser;
  /** Grafana's admin account for compose.env; needed to render Grafana's part. */
  readonly grafanaAdmin?: GrafanaAdmin;
  /** The compose image's Prometheus version: compose.env's agent flag depends on it (PROMETHEUS_MODE=agent). */
  readonly prometheusVersion?: PrometheusVersion;
}

export interface RenderedStack {
  readonly files: readonly OutputFile[];
  /** Subfolders this render owns: files in them that were not rendered now are stale. */
  readonly ownedRoots: readonly string[];
}

/** Output templates: `templates/<template>` renders to `<outDir>/<output>`. */
const OUTPUT_TEMPLATES = [
  { template: "prometheus/prometheus.yml.template", output: OUTPUT_LAYOUT.prometheusConfig, part: "prometheus" },
  { template: "grafana/provisioning/datasources/prometheus.yml.template", output: OUTPUT_LAYOUT.datasource, part: "grafana" },
  { template: "grafana/provisioning/dashboards/vllm-monitor.yml.template", output: OUTPUT_LAYOUT.dashboardProvider, part: "grafana" },
] as const;

/** Optional scrape jobs: each fragment is a one-item YAML list, included only when its endpoint exists. */
const SCRAPE_FRAGMENTS = {
  node: "prometheus/scrape/node.yml.template",
  gpu: "prometheus/scrape/gpu.yml.template",
} as const;

const NATIVE_PLACEHOLDER_VERSION: PrometheusVersion = { major: 3, minor: 0, text: "unknown" };

const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function defaultTemplatesDir(): string {
  return fileURLToPath(new URL("../../templates/", import.meta.url));
}

/**
 * Renders every file of the output folder for one mode, in memory: nothing is written, and any
 * problem in any template is reported together with the others in one UserError. Reads only the
 * templates, the CA file and (compose mode) the user's targets file.
 */
export async function renderStackConfig(settings: Settings, options: RenderStackOptions): Promise<RenderedStack> {
  const part = options.part ?? "all";
  const outDir = resolve(options.outDir);
  const templatesDir = options.templatesDir ?? defaultTemplatesDir();
  const at = (relative: string): string => runtimePath(options.mode, outDir, relative);
  if (part === "rules") return { files: ruleOutputFiles(buildMixin(mixinConfig(settings)).ruleFiles), ownedRoots: [OUTPUT_LAYOUT.rulesDir] };
  const withPrometheus = part !== "grafana";
  const withGrafana = part !== "prometheus";
  if (settings.demo && options.endpoints.simulatorTarget === undefined) {
    throw new Error("demo mode needs endpoints.simulatorTarget: VLLM_TARGET is empty");
  }

  const files: OutputFile[] = [];
  const problems: string[] = [];
  const hostUser = options.hostUser ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  if (withGrafana && options.grafanaAdmin === undefined) throw new Error("rendering Grafana's files needs its admin account");
  files.push({
    path: OUTPUT_LAYOUT.composeEnv,
    content: composeEnvText(settings, {
      outDir,
      hostUser,
      ...(options.grafanaAdmin === undefined ? {} : { grafanaAdmin: options.grafanaAdmin }),
      // why: native mode passes no version; its compose.env is never used to start Prometheus, so any agent flag there is a placeholder.
      prometheusVersion: options.prometheusVersion ?? NATIVE_PLACEHOLDER_VERSION,
    }),
  });
  const { env } = settings;

  const values = new Map<string, TemplateValue>();
  for (const [name, value] of settings.substitutable) values.set(name, { value, hint: `set ${name} in .env (see .env_example)` });
  const derived = (name: string, value: string | undefined, trusted = false): void => {
    values.set(name, { value, trusted, hint: "it is computed by vllm-monitor from the config; this is a bug in the template or the caller's endpoints" });
  };
  const json = (value: unknown): string => JSON.stringify(value);

  // Derived values are always whitelisted, whichever part renders, so a template never keeps a
  // placeholder by accident.
  // why: compose mounts only the output folder, so the user's file_sd files are copied into it (distinct prefixes: the names may clash).
  const userFiles = [
    { variable: env.VLLM_TARGETS_FILE, prefix: "user-" },
    { variable: env.NODE_EXPORTER_TARGETS_FILE, prefix: "node-user-" },
    { variable: env.GPU_EXPORTER_TARGETS_FILE, prefix: "gpu-user-" },
  ].map(({ variable, prefix }) => (variable === undefined ? undefined : { source: variable, copy: `${OUTPUT_LAYOUT.targetsDir}/${prefix}${basename(variable)}` }));
  const [vllmUserFile, nodeUserFile, gpuUserFile] = userFiles;
  const fileSdFiles = (own: string, user: (typeof userFiles)[number]): string[] =>
    user === undefined ? [at(own)] : [at(own), options.mode === "native" ? user.source : at(user.copy)];
  const agent = isAgent(settings);
  const exporterGroups = exporterTargetGroups(settings, options.endpoints);
  const mixin = buildMixin(mixinConfig(settings));
  const readSeries = seriesReadByMixin(mixin);
  for (const [name, value] of Object.entries(fleetPlaceholders(settings, options.endpoints, at, readSeries))) derived(name, json(value), true);
  derived("VLLM_TARGET_FILES", json(fileSdFiles(OUTPUT_LAYOUT.vllmTargets, vllmUserFile)), true);
  derived("NODE_TARGET_FILES", json(fileSdFiles(OUTPUT_LAYOUT.nodeTargets, nodeUserFile)), true);
  derived("GPU_TARGET_FILES", json(fileSdFiles(OUTPUT_LAYOUT.gpuTargets, gpuUserFile)), true);
  derived("VLLM_AUTHORIZATION", env.VLLM_METRICS_AUTH_TOKEN === undefined ? "null" : json({ type: "Bearer", credentials_file: at(OUTPUT_LAYOUT.tokenFile) }), true);
  derived(
    "VLLM_TLS_CONFIG",
    json({ ...(env.VLLM_TLS_CA_FILE === undefined ? {} : { ca_file: at(OUTPUT_LAYOUT.caFile) }), insecure_skip_verify: env.VLLM_TLS_INSECURE_SKIP_VERIFY }),
    true,
  );
  derived("VLLM_METRIC_RELABEL_CONFIGS", json([...metricRelabelDrops(), ...agentScrapeKeep(settings, readSeries)]), true);
  derived("PROMETHEUS_URL", options.endpoints.prometheusUrl);
  derived("GRAFANA_DASHBOARDS_DIR", at(OUTPUT_LAYOUT.dashboardsDir));
  derived("OPTIONAL_SCRAPE_CONFIGS", undefined, true);

  if (withPrometheus) {
    // why: compose mounts only the output folder; re-running `conf prometheus` refreshes the copy and file_sd picks it up live.
    if (options.mode === "compose") for (const user of userFiles) if (user !== undefined) files.push({ path: user.copy, content: await readFile(user.source) });
    if (env.VLLM_METRICS_AUTH_TOKEN !== undefined) files.push({ path: OUTPUT_LAYOUT.tokenFile, content: env.VLLM_METRICS_AUTH_TOKEN.reveal() });
    if (env.VLLM_TLS_CA_FILE !== undefined) files.push({ path: OUTPUT_LAYOUT.caFile, content: await readFile(env.VLLM_TLS_CA_FILE) });
    files.push(...(await remoteWriteFiles(settings)));
    files.push({ path: OUTPUT_LAYOUT.vllmTargets, content: `${JSON.stringify(fileSdGroups(settings, options.endpoints), null, 2)}\n` });
    files.push({ path: OUTPUT_LAYOUT.nodeTargets, content: `${JSON.stringify(exporterGroups.node, null, 2)}\n` });
    files.push({ path: OUTPUT_LAYOUT.gpuTargets, content: `${JSON.stringify(exporterGroups.gpu, null, 2)}\n` });
    // why: an agent loads no rules; the central side renders them with `vllm-monitor conf rules`.
    if (!agent) files.push(...ruleOutputFiles(mixin.ruleFiles));
    const fragments: string[] = [];
    const scrapes = (groups: readonly unknown[], userFile: (typeof userFiles)[number]): boolean => groups.length > 0 || userFile !== undefined;
    const wanted = [scrapes(exporterGroups.node, nodeUserFile) ? SCRAPE_FRAGMENTS.node : undefined, scrapes(exporterGroups.gpu, gpuUserFile) ? SCRAPE_FRAGMENTS.gpu : undefined];
    for (const fragment of wanted) {
      if (fragment === undefined) continue;
      const rendered = await renderOne(templatesDir, fragment, values, problems);
      if (rendered !== undefined) fragments.push(rendered.replace(/\n+$/, ""));
    }
    derived("OPTIONAL_SCRAPE_CONFIGS", fragments.join("\n\n"), true);
  }

  if (withGrafana) {
    for (const dashboard of mixin.recordedDashboards) {
      if (!SAFE_FILE_NAME.test(dashboard.fileName) || !dashboard.fileName.endsWith(".json")) throw new Error(`dashboard file name ${dashboard.fileName} must be a plain *.json name`);
      files.push({ path: `${OUTPUT_LAYOUT.dashboardsDir}/${dashboard.fileName}`, content: `${JSON.stringify(dashboard.dashboard, null, 2)}\n` });
    }
  }

  for (const entry of OUTPUT_TEMPLATES) {
    if ((entry.part === "prometheus" && !withPrometheus) || (entry.part === "grafana" && !withGrafana)) continue;
    const rendered = await renderOne(templatesDir, entry.template, values, problems);
    if (rendered !== undefined) files.push({ path: entry.output, content: rendered });
  }
  if (problems.length > 0) throw new UserError("cannot render the configuration templates:", problems);

  const ownedRoots = [...(withPrometheus ? [OUTPUT_LAYOUT.prometheusDir] : []), ...(withGrafana ? [OUTPUT_LAYOUT.grafanaDir] : [])];
  return { files, ownedRoots };
}

function ruleOutputFiles(ruleFiles: readonly { fileName: string; content: string }[]): OutputFile[] {
  return ruleFiles.map((rule) => {
    if (!SAFE_FILE_NAME.test(rule.fileName) || !rule.fileName.endsWith(".yml")) throw new Error(`rule file name ${rule.fileName} must be a plain *.yml name`);
    return { path: `${OUTPUT_LAYOUT.rulesDir}/${rule.fileName}`, content: rule.content };
  });
}

/** file_sd target groups for `targets/vllm.json`: one group per scheme and path, which labels carry; the demo's simulator is this host. */
export function fileSdGroups(settings: Pick<Settings, "demo" | "targets" | "hostName">, endpoints: StackEndpoints): FileSdGroup[] {
  if (settings.demo) {
    return [{ targets: [endpoints.simulatorTarget ?? ""], labels: { __scheme__: "http", __metrics_path__: "/metrics", [HOSTNAME_LABEL]: settings.hostName } }];
  }
  return targetGroups(settings.targets);
}

async function renderOne(templatesDir: string, template: string, values: ReadonlyMap<string, TemplateValue>, problems: string[]): Promise<string | undefined> {
  const fileName = `templates/${template}`;
  const text = await readFile(join(templatesDir, template), "utf8");
  const format = formatOf(template);
  const result = renderTemplateCollecting(text, values, { fileName, format });
  if (result.problems.length > 0) {
    problems.push(...result.problems);
    return undefined;
  }
  // A template that renders to something unparsable is our bug, not the user's: keep the stack.
  if (format === "json") JSON.parse(result.text);
  else parseYaml(result.text);
  return result.text;
}
