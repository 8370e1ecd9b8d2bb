import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { EXPORTER_KINDS, EXPORTERS, type ExporterKind } from "../config/exporter-targets.js";
import type { Settings } from "../config/load.js";
import { UserError } from "../errors.js";
import { buildMixin, mixinConfig, seriesReadByMixin, type Mixin, type MixinSelectors } from "../mixin/index.js";
import { matcher } from "../promql/selector.js";
import { metricRelabelDrops, type RuleFile } from "../mixin/rules/index.js";
import { ruleFileText } from "./rule-file-text.js";
import { composeEnvText, type GrafanaAdmin, type HostUser } from "./compose-env.js";
import type { StackEndpoints } from "./endpoints.js";
import {
  HOSTNAME_LABEL,
  agentScrapeKeep,
  exporterTargetGroups,
  fleetPlaceholders,
  isAgent,
  remoteWriteFiles,
  targetGroups,
  type FileSdGroup,
} from "./remote-write.js";
import { OUTPUT_LAYOUT, runtimePath, type StackMode } from "./layout.js";
import { formatOf, renderTemplateCollecting, type TemplateValue } from "./template.js";
import type { PrometheusVersion } from "../prometheus/version.js";
import { ALERTMANAGER_LAYOUT, alertmanagerFiles } from "../alerting/render.js";
import { SCRAPE_JOBS, scrapeLimitsOf } from "../config/scrape-limits.js";

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
  /** The Alertmanager that will run, when known: a secret its version cannot read from a file is refused. */
  readonly alertmanagerVersion?: { readonly version: PrometheusVersion; readonly which: string };
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

/** An exporter job's own targets file in the output folder, `prometheus/targets/<kind>.json`. */
function exporterTargetsFile(kind: ExporterKind): string {
  return `${OUTPUT_LAYOUT.targetsDir}/${kind}.json`;
}

/** Prometheus scrapes the stack's own Alertmanager (its notification failures alert), a one-item YAML list. */
const ALERTMANAGER_SCRAPE_FRAGMENT = "prometheus/scrape/alertmanager.yml.template";

const NATIVE_PLACEHOLDER_VERSION: PrometheusVersion = { major: 3, minor: 0, text: "unknown" };

const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Our stack's scrape jobs: what `conf rules` scopes its alerts to, since a central ruler evaluates
 * them over a store other senders write into too.
 */
const STACK_SELECTORS: MixinSelectors = { scrapeTargets: [[matcher("job", "=~", SCRAPE_JOBS.join("|"))]] };

export function defaultTemplatesDir(): string {
  return fileURLToPath(new URL("../../templates/", import.meta.url));
}

/** A file_sd file the user gave, and where compose sees its copy. */
interface UserTargetsFile {
  readonly source: string;
  readonly copy: string;
}

/** What every part of one render shares. */
interface RenderContext {
  readonly settings: Settings;
  readonly options: RenderStackOptions;
  readonly outDir: string;
  readonly templatesDir: string;
  /** A path of the output folder as the rendered configs name it (absolute in native mode). */
  readonly at: (relative: string) => string;
  readonly mixin: Mixin;
  readonly exporterGroups: ReturnType<typeof exporterTargetGroups>;
  /** The user's file_sd files: VLLM_TARGETS_FILE and each exporter's (NODE_EXPORTER_TARGETS_FILE, …). */
  readonly userFiles: { readonly vllm?: UserTargetsFile } & Partial<Record<ExporterKind, UserTargetsFile>>;
  /** The whitelist of the templates: what each `${NAME}` becomes. */
  readonly values: Map<string, TemplateValue>;
  /** Problems of every template, reported together. */
  readonly problems: string[];
}

/**
 * Renders every file of the output folder for one mode, in memory: nothing is written, and any
 * problem in any template is reported together with the others in one UserError. Reads only the
 * templates, the CA file and (compose mode) the user's targets file.
 */
export async function renderStackConfig(settings: Settings, options: RenderStackOptions): Promise<RenderedStack> {
  const part = options.part ?? "all";
  if (part === "rules")
    return { files: ruleOutputFiles(buildMixin(mixinConfig(settings, STACK_SELECTORS)).ruleFiles), ownedRoots: [OUTPUT_LAYOUT.rulesDir] };
  const withPrometheus = part !== "grafana";
  const withGrafana = part !== "prometheus";
  if (settings.demo && options.endpoints.simulatorTarget === undefined) {
    throw new Error("demo mode needs endpoints.simulatorTarget: VLLM_TARGET is empty");
  }
  if (withGrafana && options.grafanaAdmin === undefined) throw new Error("rendering Grafana's files needs its admin account");
  const context = renderContext(settings, options);
  const files: OutputFile[] = [composeEnvFile(context)];
  if (withPrometheus) files.push(...(await prometheusFiles(context)));
  if (withGrafana) files.push(...grafanaDashboardFiles(context.mixin));
  files.push(...(await templateOutputs(context, { withPrometheus, withGrafana })));
  if (context.problems.length > 0) throw new UserError("cannot render the configuration templates:", context.problems);
  const ownedRoots = [
    ...(withPrometheus ? [OUTPUT_LAYOUT.prometheusDir, ALERTMANAGER_LAYOUT.dir] : []),
    ...(withGrafana ? [OUTPUT_LAYOUT.grafanaDir] : []),
  ];
  return { files, ownedRoots };
}

function renderContext(settings: Settings, options: RenderStackOptions): RenderContext {
  const outDir = resolve(options.outDir);
  const { env } = settings;
  // why: compose mounts only the output folder, so the user's file_sd files are copied into it (distinct prefixes: the names may clash).
  const userFile = (source: string | undefined, prefix: string): UserTargetsFile | undefined =>
    source === undefined ? undefined : { source, copy: `${OUTPUT_LAYOUT.targetsDir}/${prefix}${basename(source)}` };
  const context: RenderContext = {
    settings,
    options,
    outDir,
    templatesDir: options.templatesDir ?? defaultTemplatesDir(),
    at: (relative) => runtimePath(options.mode, outDir, relative),
    mixin: buildMixin(mixinConfig(settings)),
    exporterGroups: exporterTargetGroups(settings, options.endpoints),
    userFiles: {
      ...optional("vllm", userFile(env.VLLM_TARGETS_FILE, "user-")),
      ...Object.fromEntries(
        EXPORTER_KINDS.flatMap((kind) => {
          const source = env[EXPORTERS[kind].fileVariable];
          const file = userFile(typeof source === "string" ? source : undefined, `${kind}-user-`);
          return file === undefined ? [] : [[kind, file]];
        }),
      ),
    },
    values: new Map(),
    problems: [],
  };
  fillTemplateValues(context);
  return context;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function composeEnvFile({ settings, options, outDir }: RenderContext): OutputFile {
  const hostUser = options.hostUser ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  return {
    path: OUTPUT_LAYOUT.composeEnv,
    content: composeEnvText(settings, {
      outDir,
      hostUser,
      ...(options.grafanaAdmin === undefined ? {} : { grafanaAdmin: options.grafanaAdmin }),
      // why: native mode passes no version; its compose.env is never used to start Prometheus, so any agent flag there is a placeholder.
      prometheusVersion: options.prometheusVersion ?? NATIVE_PLACEHOLDER_VERSION,
    }),
  };
}

/**
 * The whitelist: the user's substitutable settings, and the values vllm-monitor derives. Derived
 * values are always whitelisted, whichever part renders, so a template never keeps a placeholder by accident.
 */
function fillTemplateValues(context: RenderContext): void {
  const { settings, options, at, values, userFiles } = context;
  const { env } = settings;
  for (const [name, value] of settings.substitutable) values.set(name, { value, hint: `set ${name} in .env (see .env_example)` });
  const derived = (name: string, value: string | undefined, trusted = false): void => {
    values.set(name, {
      value,
      trusted,
      hint: "it is computed by vllm-monitor from the config; this is a bug in the template or the caller's endpoints",
    });
  };
  const json = (value: unknown): string => JSON.stringify(value);
  const fileSdFiles = (own: string, user: UserTargetsFile | undefined): string[] =>
    user === undefined ? [at(own)] : [at(own), options.mode === "native" ? user.source : at(user.copy)];
  // why: only remote write and an agent keep a list of series; reading every dashboard for it was most of `up`'s rendering.
  const readSeries = env.REMOTE_WRITE_URL === undefined && !isAgent(settings) ? [] : seriesReadByMixin(context.mixin);
  for (const [name, value] of Object.entries(fleetPlaceholders(settings, options.endpoints, at, readSeries)))
    derived(name, json(value), true);
  derived("VLLM_TARGET_FILES", json(fileSdFiles(OUTPUT_LAYOUT.vllmTargets, userFiles.vllm)), true);
  // NODE_TARGET_FILES, GPU_TARGET_FILES: what each exporter job's fragment reads.
  for (const kind of EXPORTER_KINDS)
    derived(`${kind.toUpperCase()}_TARGET_FILES`, json(fileSdFiles(exporterTargetsFile(kind), userFiles[kind])), true);
  derived(
    "VLLM_AUTHORIZATION",
    env.VLLM_METRICS_AUTH_TOKEN === undefined ? "null" : json({ type: "Bearer", credentials_file: at(OUTPUT_LAYOUT.tokenFile) }),
    true,
  );
  derived(
    "VLLM_TLS_CONFIG",
    json({
      ...(env.VLLM_TLS_CA_FILE === undefined ? {} : { ca_file: at(OUTPUT_LAYOUT.caFile) }),
      insecure_skip_verify: env.VLLM_TLS_INSECURE_SKIP_VERIFY,
    }),
    true,
  );
  derived("VLLM_METRIC_RELABEL_CONFIGS", json([...metricRelabelDrops(), ...agentScrapeKeep(settings, readSeries)]), true);
  const limitOverrides = {
    sample_limit: env.SCRAPE_SAMPLE_LIMIT,
    label_limit: env.SCRAPE_LABEL_LIMIT,
    label_name_length_limit: env.SCRAPE_LABEL_NAME_LENGTH_LIMIT,
    label_value_length_limit: env.SCRAPE_LABEL_VALUE_LENGTH_LIMIT,
    body_size_limit: env.SCRAPE_BODY_SIZE_LIMIT,
    target_limit: env.SCRAPE_TARGET_LIMIT,
  };
  for (const job of SCRAPE_JOBS) {
    for (const [kind, value] of Object.entries(scrapeLimitsOf(job, limitOverrides)))
      derived(`${job.toUpperCase()}_${kind.toUpperCase()}`, json(value), true);
  }
  derived("PROMETHEUS_URL", options.endpoints.prometheusUrl);
  derived("GRAFANA_DASHBOARDS_DIR", at(OUTPUT_LAYOUT.dashboardsDir));
  derived("OPTIONAL_SCRAPE_CONFIGS", undefined, true);
}

/** Prometheus's own files: secrets, targets, rules, copies of the user's file_sd files; fills OPTIONAL_SCRAPE_CONFIGS. */
async function prometheusFiles(context: RenderContext): Promise<OutputFile[]> {
  const { settings, options, exporterGroups, userFiles } = context;
  const { env } = settings;
  const files: OutputFile[] = [];
  // why: compose mounts only the output folder; re-running `conf prometheus` refreshes the copy and file_sd picks it up live.
  if (options.mode === "compose")
    for (const user of Object.values(userFiles)) files.push({ path: user.copy, content: await readFile(user.source) });
  if (env.VLLM_METRICS_AUTH_TOKEN !== undefined)
    files.push({ path: OUTPUT_LAYOUT.tokenFile, content: env.VLLM_METRICS_AUTH_TOKEN.reveal() });
  if (env.VLLM_TLS_CA_FILE !== undefined) files.push({ path: OUTPUT_LAYOUT.caFile, content: await readFile(env.VLLM_TLS_CA_FILE) });
  files.push(...(await remoteWriteFiles(settings)));
  files.push({ path: OUTPUT_LAYOUT.vllmTargets, content: `${JSON.stringify(fileSdGroups(settings, options.endpoints), null, 2)}\n` });
  for (const kind of EXPORTER_KINDS)
    files.push({ path: exporterTargetsFile(kind), content: `${JSON.stringify(exporterGroups[kind], null, 2)}\n` });
  // why: an agent loads no rules; the central side renders them with `vllm-monitor conf rules`.
  if (!isAgent(settings)) files.push(...ruleOutputFiles(context.mixin.ruleFiles));
  // why: Alertmanager's config is rendered whenever Prometheus sends to one (ALERT_* destinations, or native mode finding it installed).
  if (!isAgent(settings) && options.endpoints.alertmanagerTarget !== undefined) {
    files.push(
      ...(await alertmanagerFiles(settings, {
        at: (relative) => runtimePath(options.mode, context.outDir, relative),
        templatesDir: context.templatesDir,
        alerts: context.mixin.alerts,
        ...(options.alertmanagerVersion === undefined ? {} : { version: options.alertmanagerVersion }),
      })),
    );
  }
  const scrapes = (groups: readonly unknown[], userFile: UserTargetsFile | undefined): boolean =>
    groups.length > 0 || userFile !== undefined;
  // Optional scrape jobs: each fragment is a one-item YAML list, included only when the job has a target.
  const wanted = [
    ...EXPORTER_KINDS.filter((kind) => scrapes(exporterGroups[kind], userFiles[kind])).map((kind) => EXPORTERS[kind].fragment),
    ...(!isAgent(settings) && options.endpoints.alertmanagerTarget !== undefined ? [ALERTMANAGER_SCRAPE_FRAGMENT] : []),
  ];
  const fragments: string[] = [];
  for (const fragment of wanted) {
    const rendered = await renderOne(context.templatesDir, fragment, context.values, context.problems);
    if (rendered !== undefined) fragments.push(rendered.replace(/\n+$/, ""));
  }
  context.values.set("OPTIONAL_SCRAPE_CONFIGS", {
    value: fragments.join("\n\n"),
    trusted: true,
    hint: "it is computed by vllm-monitor from the config; this is a bug in the template or the caller's endpoints",
  });
  return files;
}

/** The dashboards Grafana provisions: the variant that reads our recording rules. */
function grafanaDashboardFiles(mixin: Mixin): OutputFile[] {
  return mixin.recordedDashboards.map((dashboard) => {
    if (!SAFE_FILE_NAME.test(dashboard.fileName) || !dashboard.fileName.endsWith(".json"))
      throw new Error(`dashboard file name ${dashboard.fileName} must be a plain *.json name`);
    return { path: `${OUTPUT_LAYOUT.dashboardsDir}/${dashboard.fileName}`, content: `${JSON.stringify(dashboard.dashboard, null, 2)}\n` };
  });
}

/** prometheus.yml and Grafana's provisioning files, from their templates. */
async function templateOutputs(context: RenderContext, parts: { withPrometheus: boolean; withGrafana: boolean }): Promise<OutputFile[]> {
  const files: OutputFile[] = [];
  for (const entry of OUTPUT_TEMPLATES) {
    if ((entry.part === "prometheus" && !parts.withPrometheus) || (entry.part === "grafana" && !parts.withGrafana)) continue;
    const rendered = await renderOne(context.templatesDir, entry.template, context.values, context.problems);
    if (rendered !== undefined) files.push({ path: entry.output, content: rendered });
  }
  return files;
}

function ruleOutputFiles(ruleFiles: readonly RuleFile[]): OutputFile[] {
  return ruleFiles.map((rule) => {
    if (!SAFE_FILE_NAME.test(rule.fileName) || !rule.fileName.endsWith(".yml"))
      throw new Error(`rule file name ${rule.fileName} must be a plain *.yml name`);
    return { path: `${OUTPUT_LAYOUT.rulesDir}/${rule.fileName}`, content: ruleFileText(rule) };
  });
}

/** file_sd target groups for `targets/vllm.json`: one group per scheme and path, which labels carry; the demo's simulator is this host. */
export function fileSdGroups(settings: Pick<Settings, "demo" | "targets" | "hostName">, endpoints: StackEndpoints): FileSdGroup[] {
  if (settings.demo) {
    return [
      {
        targets: [endpoints.simulatorTarget ?? ""],
        labels: { __scheme__: "http", __metrics_path__: "/metrics", [HOSTNAME_LABEL]: settings.hostName },
      },
    ];
  }
  return targetGroups(settings.targets);
}

async function renderOne(
  templatesDir: string,
  template: string,
  values: ReadonlyMap<string, TemplateValue>,
  problems: string[],
): Promise<string | undefined> {
  const fileName = `templates/${template}`;
  const text = await readFile(join(templatesDir, template), "utf8");
  const format = formatOf(template);
  const result = renderTemplateCollecting(text, values, { fileName, format });
  if (result.problems.length > 0) {
    for (const problem of result.problems) problems.push(problem);
    return undefined;
  }
  // A template that renders to something unparsable is our bug, not the user's: keep the stack.
  if (format === "json") JSON.parse(result.text);
  else parseYaml(result.text);
  return result.text;
}
