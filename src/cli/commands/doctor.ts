/** `vllm-monitor doctor`: check every configured vLLM target and say what is wrong and how to fix it. */
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { loadConfig, parseTargetList, resolveTargets, type MonitorConfig, type Scheme } from "../../config/index.js";
import { dashboardFiles } from "../../dashboards/index.js";
import { formatReport, runDoctor, type DoctorSettings, type DoctorTarget } from "../../doctor/index.js";
import { UserError, isUserError } from "../../errors.js";
import { ruleFiles } from "../../rules/index.js";

interface DoctorOptions {
  readonly envFile?: string;
  readonly target?: string[];
  readonly timeout: string;
  readonly prometheusUrl?: string;
  readonly json: boolean;
}

const DEFAULT_ENV_FILE = ".env";

export function register(program: Command): void {
  program
    .command("doctor")
    .description("check each vLLM target (DNS, TCP, TLS, HTTP, token, metrics, dashboard panels) and say how to fix what is wrong")
    .option("--env-file <path>", `the .env file to read (default ${DEFAULT_ENV_FILE}, if present)`)
    .option("--target <url>", "check this target instead of the .env ones (repeatable), e.g. https://vllm-host:8000/metrics", collect)
    .option("--timeout <ms>", "how long each network step may take", "5000")
    .option("--prometheus-url <url>", "Prometheus to ask for scrape health (default http://127.0.0.1:$PROMETHEUS_PORT)")
    .option("--json", "print the report as JSON", false)
    .action(async (options: DoctorOptions) => {
      const { targets, settings } = doctorInputs(options);
      const report = await runDoctor({ targets, settings, dashboards: dashboardFiles(), rules: ruleFiles() });
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      process.exitCode = report.ok ? 0 : 1;
    });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Reads .env (through loadConfig) and the options into targets and settings; bad input is reported at once (exit 2). */
function doctorInputs(options: DoctorOptions): { targets: DoctorTarget[]; settings: DoctorSettings } {
  const problems: string[] = [];
  if (options.envFile !== undefined && !existsSync(options.envFile)) {
    throw new UserError("doctor cannot start: bad input", [`${options.envFile} does not exist; copy .env_example to it or pass another --env-file`]);
  }
  const timeoutMs = Number(options.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) problems.push(`--timeout "${options.timeout}" is not a positive number of milliseconds`);
  if (options.prometheusUrl !== undefined && !URL.canParse(options.prometheusUrl)) {
    problems.push(`--prometheus-url "${options.prometheusUrl}" is not a URL; e.g. http://127.0.0.1:9090`);
  }
  let config: MonitorConfig;
  try {
    config = loadConfig({ envFile: options.envFile ?? DEFAULT_ENV_FILE });
  } catch (error) {
    // why: report the .env problems and the option problems together.
    if (isUserError(error) && error.problems.length > 0) throw new UserError(error.message.split("\n")[0] ?? "invalid configuration", [...error.problems, ...problems]);
    throw error;
  }
  const defaults = { scheme: config.scheme, metricsPath: config.metricsPath };

  const targets: DoctorTarget[] = [];
  if (options.target !== undefined) {
    for (const item of options.target) targets.push(...parseTargets(item, "--target", defaults, problems));
  } else {
    targets.push(...config.targets.map((target) => ({ ...target, source: "VLLM_TARGET" })));
    if (config.targetsFile !== undefined) targets.push(...targetsFile(config.targetsFile, defaults, problems));
  }

  const prometheusUrl = options.prometheusUrl ?? `http://127.0.0.1:${config.prometheusPort}`;
  if (problems.length > 0) throw new UserError("doctor cannot start: bad input", problems);
  const token = config.metricsAuthToken?.reveal();
  return {
    targets,
    settings: {
      ...(token !== undefined ? { token } : {}),
      ...(config.tlsCaFile !== undefined ? { caPem: readFileSync(config.tlsCaFile, "utf8") } : {}),
      insecureSkipVerify: config.tlsInsecureSkipVerify,
      timeoutMs,
      prometheusUrl,
    },
  };
}

function parseTargets(value: string, source: string, defaults: { scheme: Scheme; metricsPath: string }, problems: string[]): DoctorTarget[] {
  const parsed = parseTargetList(value);
  problems.push(...parsed.problems.map((problem) => `${source}: ${problem}`));
  return resolveTargets(parsed.specs, defaults).map((target) => ({ ...target, source }));
}

/** A Prometheus file_sd file (YAML or JSON): `[{ targets: [host:port…], labels: {…} }]`. */
function targetsFile(path: string, defaults: { scheme: Scheme; metricsPath: string }, problems: string[]): DoctorTarget[] {
  const source = `VLLM_TARGETS_FILE (${path})`;
  let groups: unknown;
  try {
    groups = parseYaml(readFileSync(path, "utf8"));
  } catch (error) {
    problems.push(`${source} cannot be read as file_sd YAML/JSON: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    return [];
  }
  if (groups === null) return [];
  if (!Array.isArray(groups)) {
    problems.push(`${source} must hold a list of { targets: [...], labels: {...} } groups`);
    return [];
  }
  return groups.flatMap((group: unknown) => {
    const record = group !== null && typeof group === "object" ? (group as Record<string, unknown>) : {};
    const labels = record.labels !== null && typeof record.labels === "object" ? (record.labels as Record<string, unknown>) : {};
    const scheme = labels.__scheme__ === "https" || labels.__scheme__ === "http" ? labels.__scheme__ : defaults.scheme;
    const metricsPath = typeof labels.__metrics_path__ === "string" ? labels.__metrics_path__ : defaults.metricsPath;
    const items = Array.isArray(record.targets) ? record.targets.filter((item): item is string => typeof item === "string") : [];
    return items.flatMap((item) => parseTargets(item, source, { scheme, metricsPath }, problems));
  });
}
