/** `vllm-monitor doctor`: check every configured vLLM target and say what is wrong and how to fix it. */
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { parseEnvFile } from "../../config/envFile.js";
import { parseTargetList, resolveTargets, type Scheme } from "../../config/targets.js";
import { dashboardFiles } from "../../dashboards/index.js";
import { formatReport, runDoctor, type DoctorSettings, type DoctorTarget } from "../../doctor/index.js";
import { UserError } from "../../errors.js";
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

/** Reads .env and the options into targets and settings; every bad input is reported at once (exit 2). */
function doctorInputs(options: DoctorOptions): { targets: DoctorTarget[]; settings: DoctorSettings } {
  const problems: string[] = [];
  const env = readEnv(options.envFile, problems);
  const scheme = env.SCHEMA === undefined || env.SCHEMA === "" ? "http" : env.SCHEMA;
  if (scheme !== "http" && scheme !== "https") problems.push(`SCHEMA is "${scheme}"; use http or https`);
  const defaults = { scheme: (scheme === "https" ? "https" : "http") as Scheme, metricsPath: env.VLLM_METRICS_PATH || "/metrics" };
  if (!defaults.metricsPath.startsWith("/")) problems.push(`VLLM_METRICS_PATH must start with "/", e.g. /metrics`);

  const targets: DoctorTarget[] = [];
  if (options.target !== undefined) {
    for (const item of options.target) targets.push(...parseTargets(item, "--target", defaults, problems));
  } else {
    targets.push(...parseTargets(env.VLLM_TARGET ?? "", "VLLM_TARGET", defaults, problems));
    if (env.VLLM_TARGETS_FILE) targets.push(...targetsFile(env.VLLM_TARGETS_FILE, defaults, problems));
  }

  const timeoutMs = Number(options.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) problems.push(`--timeout "${options.timeout}" is not a positive number of milliseconds`);
  let caPem: string | undefined;
  if (env.VLLM_TLS_CA_FILE) {
    try {
      caPem = readFileSync(env.VLLM_TLS_CA_FILE, "utf8");
    } catch {
      problems.push(`VLLM_TLS_CA_FILE names ${env.VLLM_TLS_CA_FILE}, which cannot be read; give the path of the CA certificate (PEM)`);
    }
  }
  const insecure = (env.VLLM_TLS_INSECURE_SKIP_VERIFY ?? "false").toLowerCase();
  if (!["true", "false", "1", "0", ""].includes(insecure)) problems.push(`VLLM_TLS_INSECURE_SKIP_VERIFY is "${insecure}"; use true or false`);
  const prometheusUrl = options.prometheusUrl ?? `http://127.0.0.1:${env.PROMETHEUS_PORT || "9090"}`;
  try {
    new URL(prometheusUrl);
  } catch {
    problems.push(`--prometheus-url "${prometheusUrl}" is not a URL; e.g. http://127.0.0.1:9090`);
  }
  if (problems.length > 0) throw new UserError("doctor cannot start: bad input", problems);
  return {
    targets,
    settings: {
      ...(env.VLLM_METRICS_AUTH_TOKEN ? { token: env.VLLM_METRICS_AUTH_TOKEN } : {}),
      ...(caPem !== undefined ? { caPem } : {}),
      insecureSkipVerify: insecure === "true" || insecure === "1",
      timeoutMs,
      prometheusUrl,
    },
  };
}

/** The .env values, with the process environment taking precedence as docker compose does. */
function readEnv(envFile: string | undefined, problems: string[]): Record<string, string | undefined> {
  const path = envFile ?? DEFAULT_ENV_FILE;
  const values: Record<string, string | undefined> = {};
  if (existsSync(path)) {
    const parsed = parseEnvFile(readFileSync(path, "utf8"), path);
    problems.push(...parsed.problems);
    for (const entry of parsed.entries) values[entry.name] = entry.value;
  } else if (envFile !== undefined) {
    problems.push(`${envFile} does not exist; copy .env.example to it or pass another --env-file`);
  }
  for (const name of ["VLLM_TARGET", "VLLM_TARGETS_FILE", "SCHEMA", "VLLM_METRICS_PATH", "VLLM_METRICS_AUTH_TOKEN", "VLLM_TLS_CA_FILE", "VLLM_TLS_INSECURE_SKIP_VERIFY", "PROMETHEUS_PORT"]) {
    if (process.env[name] !== undefined) values[name] = process.env[name];
  }
  return values;
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
