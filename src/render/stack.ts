import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import type { Settings } from "../config/load.js";
import { UserError } from "../errors.js";
import { buildMixin, mixinConfig } from "../mixin/index.js";
import { metricRelabelDrops } from "../rules/index.js";
import { composeEnvText, type GrafanaAdmin, type HostUser } from "./compose-env.js";
import type { StackEndpoints } from "./endpoints.js";
import { OUTPUT_LAYOUT, runtimePath, type StackMode } from "./layout.js";
import { formatOf, renderTemplateCollecting, type TemplateValue } from "./template.js";

/** Which half of the stack to render; compose.env is part of both. */
export type StackPart = "prometheus" | "grafana" | "all";

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
    content: composeEnvText(settings, { outDir, hostUser, ...(options.grafanaAdmin === undefined ? {} : { grafanaAdmin: options.grafanaAdmin }) }),
  });
  const mixin = buildMixin(mixinConfig(settings));
  const { env } = settings;

  const values = new Map<string, TemplateValue>();
  for (const [name, value] of settings.substitutable) values.set(name, { value, hint: `set ${name} in .env (see .env_example)` });
  const derived = (name: string, value: string | undefined, trusted = false): void => {
    values.set(name, { value, trusted, hint: "it is computed by vllm-monitor from the config; this is a bug in the template or the caller's endpoints" });
  };
  const json = (value: unknown): string => JSON.stringify(value);

  // Derived values are always whitelisted, whichever part renders, so a template never keeps a
  // placeholder by accident.
  const userTargetsCopy = env.VLLM_TARGETS_FILE === undefined ? undefined : `${OUTPUT_LAYOUT.targetsDir}/user-${basename(env.VLLM_TARGETS_FILE)}`;
  const targetFiles = [at(OUTPUT_LAYOUT.vllmTargets)];
  if (env.VLLM_TARGETS_FILE !== undefined && userTargetsCopy !== undefined) targetFiles.push(options.mode === "native" ? env.VLLM_TARGETS_FILE : at(userTargetsCopy));
  derived("PROMETHEUS_RULES_GLOB", `${at(OUTPUT_LAYOUT.rulesDir)}/*.yml`);
  derived("PROMETHEUS_SELF_TARGET", options.endpoints.prometheusTarget);
  derived("VLLM_TARGET_FILES", json(targetFiles), true);
  derived("VLLM_AUTHORIZATION", env.VLLM_METRICS_AUTH_TOKEN === undefined ? "null" : json({ type: "Bearer", credentials_file: at(OUTPUT_LAYOUT.tokenFile) }), true);
  derived(
    "VLLM_TLS_CONFIG",
    json({ ...(env.VLLM_TLS_CA_FILE === undefined ? {} : { ca_file: at(OUTPUT_LAYOUT.caFile) }), insecure_skip_verify: env.VLLM_TLS_INSECURE_SKIP_VERIFY }),
    true,
  );
  derived("VLLM_METRIC_RELABEL_CONFIGS", json(metricRelabelDrops()), true);
  derived("ALERTMANAGER_TARGETS", json(options.endpoints.alertmanagerTarget === undefined ? [] : [options.endpoints.alertmanagerTarget]), true);
  derived("NODE_EXPORTER_TARGETS", options.endpoints.nodeExporterTarget === undefined ? undefined : json([options.endpoints.nodeExporterTarget]), true);
  derived("GPU_TARGETS", json(options.endpoints.gpuTargets), true);
  derived("PROMETHEUS_URL", options.endpoints.prometheusUrl);
  derived("GRAFANA_DASHBOARDS_DIR", at(OUTPUT_LAYOUT.dashboardsDir));
  derived("OPTIONAL_SCRAPE_CONFIGS", undefined, true);

  if (withPrometheus) {
    // why: compose mounts only the output folder; re-running `conf prometheus` refreshes the copy and file_sd picks it up live.
    if (env.VLLM_TARGETS_FILE !== undefined && userTargetsCopy !== undefined && options.mode === "compose") {
      files.push({ path: userTargetsCopy, content: await readFile(env.VLLM_TARGETS_FILE) });
    }
    if (env.VLLM_METRICS_AUTH_TOKEN !== undefined) files.push({ path: OUTPUT_LAYOUT.tokenFile, content: env.VLLM_METRICS_AUTH_TOKEN.reveal() });
    if (env.VLLM_TLS_CA_FILE !== undefined) files.push({ path: OUTPUT_LAYOUT.caFile, content: await readFile(env.VLLM_TLS_CA_FILE) });
    files.push({ path: OUTPUT_LAYOUT.vllmTargets, content: `${JSON.stringify(fileSdGroups(settings, options.endpoints), null, 2)}\n` });
    for (const rule of mixin.ruleFiles) {
      if (!SAFE_FILE_NAME.test(rule.fileName) || !rule.fileName.endsWith(".yml")) throw new Error(`rule file name ${rule.fileName} must be a plain *.yml name`);
      files.push({ path: `${OUTPUT_LAYOUT.rulesDir}/${rule.fileName}`, content: rule.content });
    }
    const fragments: string[] = [];
    const wanted = [options.endpoints.nodeExporterTarget === undefined ? undefined : SCRAPE_FRAGMENTS.node, options.endpoints.gpuTargets.length > 0 ? SCRAPE_FRAGMENTS.gpu : undefined];
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

/** file_sd target groups for `targets/vllm.json`: one group per scheme and path, which labels carry. */
export function fileSdGroups(settings: Pick<Settings, "demo" | "targets">, endpoints: StackEndpoints): { targets: string[]; labels: Record<string, string> }[] {
  const targets = settings.demo
    ? [{ address: endpoints.simulatorTarget ?? "", scheme: "http", metricsPath: "/metrics" }]
    : settings.targets.map((target) => ({ address: target.address, scheme: target.scheme, metricsPath: target.metricsPath }));
  const groups = new Map<string, { targets: string[]; labels: Record<string, string> }>();
  for (const target of targets) {
    const key = `${target.scheme} ${target.metricsPath}`;
    const group = groups.get(key) ?? { targets: [], labels: { __scheme__: target.scheme, __metrics_path__: target.metricsPath } };
    group.targets.push(target.address);
    groups.set(key, group);
  }
  return [...groups.values()];
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
