import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { parseEnvFile } from "./envFile.js";
import { ENV_NAMES, ENV_VARIABLES, isEnvName, type EnvName, type EnvValues } from "./schema.js";
import { Secret } from "./secret.js";
import { duplicateTargets, resolveTargets, type Scheme, type VllmTarget } from "./targets.js";

/** Where a variable's value came from, for messages. */
export type ValueSource = { readonly kind: "file"; readonly file: string; readonly line: number } | { readonly kind: "environment" } | { readonly kind: "default" };

/** The validated configuration every command works from. Secrets are wrapped so they never print. */
export interface MonitorConfig {
  readonly adminUser: Secret;
  /** Missing is allowed unless `requireGrafanaCredentials` was asked for. */
  readonly adminPassword: Secret | undefined;
  /** Empty in demo mode. */
  readonly targets: readonly VllmTarget[];
  /** True when VLLM_TARGET is empty: the built-in simulator is watched. */
  readonly demo: boolean;
  readonly scheme: Scheme;
  readonly metricsPath: string;
  readonly metricsAuthToken: Secret | undefined;
  readonly grafanaPort: number;
  readonly prometheusPort: number;
  readonly scrapeInterval: string;
  /** Absolute path of a readable CA file. */
  readonly tlsCaFile: string | undefined;
  readonly tlsInsecureSkipVerify: boolean;
  /** Absolute path of an existing file_sd file. */
  readonly targetsFile: string | undefined;
  readonly gpuExporter: "dcgm" | "nvidia-smi" | "none";
  /** The effective text of every substitutable variable (the template whitelist), defaults applied. */
  readonly substitutable: ReadonlyMap<EnvName, string | undefined>;
  readonly sources: Readonly<Partial<Record<EnvName, ValueSource>>>;
  readonly envFile: { readonly path: string; readonly found: boolean };
  /** Things the user should know that are not errors (missing .env, unknown variables, demo mode). */
  readonly notes: readonly string[];
}

export interface LoadConfigOptions {
  /** Path of the .env file; a missing file means all defaults. */
  readonly envFile: string;
  /** Overrides the file, like compose. Defaults to `process.env`. Empty values do not override. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Makes ADMIN_PASSWORD required (conf grafana, conf all, up). */
  readonly requireGrafanaCredentials?: boolean;
  /** Base for a relative envFile; defaults to `process.cwd()`. */
  readonly cwd?: string;
}

interface RawValue {
  readonly text: string;
  readonly source: ValueSource;
}

/**
 * Reads the .env file and the environment, validates every variable against the schema and
 * returns the typed config. All problems are reported at once in one UserError, each naming the
 * variable, where it came from and how to fix it; secret values are never shown.
 */
export function loadConfig(options: LoadConfigOptions): MonitorConfig {
  const cwd = options.cwd ?? process.cwd();
  const envPath = resolve(cwd, options.envFile);
  const environment = options.environment ?? process.env;
  const notes: string[] = [];
  const problems: string[] = [];

  const fileText = readEnvFileText(envPath, options.envFile);
  const raw = new Map<EnvName, RawValue>();
  if (fileText === undefined) {
    notes.push(`no ${options.envFile} file found: using defaults (copy .env_example to ${options.envFile} to configure)`);
  } else {
    const parsed = parseEnvFile(fileText, options.envFile);
    problems.push(...parsed.problems);
    for (const entry of parsed.entries) {
      if (!isEnvName(entry.name)) {
        // Other tools' variables (PROMETHEUS_BIN, ...) may share the file; only likely typos get a note.
        const near = ENV_NAMES.find((known) => editDistance(known, entry.name) <= 2);
        if (near !== undefined) notes.push(`${options.envFile}:${entry.line}: ${entry.name} is not a vllm-monitor variable; did you mean ${near}?`);
        continue;
      }
      if (entry.value !== "") raw.set(entry.name, { text: entry.value, source: { kind: "file", file: options.envFile, line: entry.line } });
      else raw.delete(entry.name);
    }
  }
  for (const name of ENV_NAMES) {
    const fromEnvironment = environment[name];
    if (fromEnvironment !== undefined && fromEnvironment !== "") raw.set(name, { text: fromEnvironment, source: { kind: "environment" } });
  }

  const values: Partial<Record<EnvName, unknown>> = {};
  const sources: Partial<Record<EnvName, ValueSource>> = {};
  const effectiveText = new Map<EnvName, string | undefined>();
  for (const name of ENV_NAMES) {
    const variable = ENV_VARIABLES[name];
    const given = raw.get(name);
    const defaultText = "default" in variable ? variable.default : undefined;
    const text = given?.text ?? defaultText;
    sources[name] = given?.source ?? { kind: "default" };
    effectiveText.set(name, text);
    if (text === undefined) continue;
    const result = variable.schema.safeParse(text);
    if (result.success) values[name] = result.data;
    else problems.push(describeProblem(name, sources[name], result.error.issues.map((issue) => issue.message).join("; "), text));
  }
  // Every variable was parsed by its own schema above; the record now matches EnvValues.
  const env = values as EnvValues;

  const scheme = env.SCHEMA ?? "http";
  const metricsPath = env.VLLM_METRICS_PATH ?? "/metrics";
  const targets = resolveTargets(env.VLLM_TARGET ?? [], { scheme, metricsPath });
  for (const duplicate of duplicateTargets(targets)) {
    problems.push(describeProblem("VLLM_TARGET", sources.VLLM_TARGET, `lists ${duplicate} more than once`));
  }
  const demo = effectiveText.get("VLLM_TARGET") === undefined;
  if (demo) notes.push("VLLM_TARGET is empty: watching the built-in simulator (demo mode)");

  const tlsCaFile = checkReadableFile("VLLM_TLS_CA_FILE", env.VLLM_TLS_CA_FILE, sources.VLLM_TLS_CA_FILE, envPath, cwd, problems);
  const targetsFile = checkReadableFile("VLLM_TARGETS_FILE", env.VLLM_TARGETS_FILE, sources.VLLM_TARGETS_FILE, envPath, cwd, problems);

  const passwordMissing = options.requireGrafanaCredentials === true && effectiveText.get("ADMIN_PASSWORD") === undefined;
  // why: a demo must work from a fresh clone, so it gets a generated password; a real setup must choose one.
  if (passwordMissing && !demo) {
    problems.push(
      `ADMIN_PASSWORD (${describeSource(sources.ADMIN_PASSWORD)}): is missing; Grafana must not start with a default password. How to fix: ${ENV_VARIABLES.ADMIN_PASSWORD.fix}`,
    );
  }

  if (problems.length > 0) {
    const where = fileText === undefined ? "the environment" : options.envFile;
    throw new UserError(`invalid configuration in ${where} (${problems.length} problem${problems.length === 1 ? "" : "s"}):`, problems);
  }

  let adminPassword = env.ADMIN_PASSWORD === undefined ? undefined : new Secret("ADMIN_PASSWORD", env.ADMIN_PASSWORD);
  if (passwordMissing && demo) {
    const stored = demoPassword(dirname(envPath));
    adminPassword = new Secret("ADMIN_PASSWORD", stored.password);
    notes.push(`ADMIN_PASSWORD is not set: demo mode uses a generated Grafana admin password, stored in ${stored.path} (mode 0600)`);
  }

  const substitutable = new Map<EnvName, string | undefined>();
  for (const name of ENV_NAMES) if (ENV_VARIABLES[name].substitutable) substitutable.set(name, effectiveText.get(name));

  return {
    adminUser: new Secret("ADMIN_USER", effectiveText.get("ADMIN_USER") ?? "admin"),
    adminPassword,
    targets,
    demo,
    scheme,
    metricsPath,
    metricsAuthToken: env.VLLM_METRICS_AUTH_TOKEN === undefined ? undefined : new Secret("VLLM_METRICS_AUTH_TOKEN", env.VLLM_METRICS_AUTH_TOKEN),
    grafanaPort: env.GRAFANA_PORT ?? 3000,
    prometheusPort: env.PROMETHEUS_PORT ?? 9090,
    scrapeInterval: env.SCRAPE_INTERVAL ?? "5s",
    tlsCaFile,
    tlsInsecureSkipVerify: env.VLLM_TLS_INSECURE_SKIP_VERIFY ?? false,
    targetsFile,
    gpuExporter: env.GPU_EXPORTER ?? "none",
    substitutable,
    sources,
    envFile: { path: envPath, found: fileText !== undefined },
    notes,
  };
}

/** `.env:4`, `environment variable`, or `default`. */
export function describeSource(source: ValueSource | undefined): string {
  if (source === undefined || source.kind === "default") return "not set";
  if (source.kind === "environment") return "environment variable";
  return `${source.file}:${source.line}`;
}

function describeProblem(name: EnvName, source: ValueSource | undefined, message: string, text?: string): string {
  const variable = ENV_VARIABLES[name];
  // why: VLLM_TARGET's messages quote the bad item already, with any user:password redacted.
  const echo = !variable.secret && text !== undefined && name !== "VLLM_TARGET";
  const shown = variable.secret ? " (value hidden)" : echo ? ` (got ${JSON.stringify(truncate(text))})` : "";
  return `${name} (${describeSource(source)}): ${message}${shown}. How to fix: ${variable.fix}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function readEnvFileText(path: string, shownAs: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new UserError(`cannot read the env file ${shownAs}: ${code ?? (error as Error).message}`, [
      code === "EISDIR" ? `${shownAs} is a folder; pass a file with --env-file` : `make ${shownAs} readable (chmod u+r ${shownAs}) or pass another file with --env-file`,
    ]);
  }
}

/** Resolves a path variable (relative to the .env file's folder when it came from there) and checks it is a readable file. */
function checkReadableFile(
  name: EnvName,
  path: string | undefined,
  source: ValueSource | undefined,
  envPath: string,
  cwd: string,
  problems: string[],
): string | undefined {
  if (path === undefined) return undefined;
  const absolute = resolve(source?.kind === "file" ? dirname(envPath) : cwd, path);
  try {
    if (!statSync(absolute).isFile()) {
      problems.push(describeProblem(name, source, `${absolute} is not a regular file`));
      return undefined;
    }
    accessSync(absolute, constants.R_OK);
    return absolute;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "does not exist" : code === "EACCES" ? "is not readable" : `cannot be read (${code ?? "unknown error"})`;
    problems.push(describeProblem(name, source, `${absolute} ${reason}`));
    return undefined;
  }
}

/** Where a demo's generated Grafana admin password is kept, beside the .env file. */
export const DEMO_PASSWORD_FILE = join(".vllm-monitor", "grafana-admin-password");

/** Reads the demo's Grafana admin password, or makes one (0600) so it stays the same across restarts. */
function demoPassword(baseDir: string): { path: string; password: string } {
  const path = join(baseDir, DEMO_PASSWORD_FILE);
  try {
    const existing = readFileSync(path, "utf8").trim();
    if (existing.length >= 8) return { path, password: existing };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // why: base64url has no quote, backslash or `$`, so compose's env file carries it unchanged.
  const password = randomBytes(18).toString("base64url");
  writeFileSync(path, `${password}\n`, { mode: 0o600 });
  return { path, password };
}
