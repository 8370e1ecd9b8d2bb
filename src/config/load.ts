import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { UserError } from "../errors.js";
import { parseEnvFile } from "./env-file.js";
import { nearMiss } from "./near-miss.js";
import { ENV_NAMES, ENV_VARIABLES, isEnvName, type EnvName, type EnvValues, type EnvVariable } from "./schema.js";
import { Secret } from "./secret.js";
import { readTargetsFile } from "./targets-file.js";
import { resolveExporterTargets, type ExporterTargets } from "./exporter-targets.js";
import { fleetChecks } from "./remote-write-settings.js";
import { alertChecks } from "./alert-destinations.js";
import { duplicateTargets, resolveTargets, type VllmTarget } from "./targets.js";
import { echo, hasControl, MAX_PROBLEMS } from "../text/echo.js";

/** Why a real stack's Grafana needs ADMIN_PASSWORD; said by the loader and by grafana-admin.ts alike. */
export const MISSING_ADMIN_PASSWORD = "is missing; Grafana must not start with a default password";

/** The .env file read when no `--env-file` is given; it may be missing (demo mode). */
export const DEFAULT_ENV_FILE = ".env";

/** Where a variable's value came from, for messages. */
export type ValueSource =
  { readonly kind: "file"; readonly file: string; readonly line: number } | { readonly kind: "environment" } | { readonly kind: "default" };

/**
 * The one settings object every command works from: each variable parsed once by its schema,
 * defaults applied, paths resolved and checked, secrets wrapped so they never print.
 */
export interface Settings {
  /** Every variable by name. Paths are absolute; secrets are `Secret`s. */
  readonly env: EnvValues;
  /** VLLM_TARGET resolved with SCHEMA and VLLM_METRICS_PATH; empty in demo mode. */
  readonly targets: readonly VllmTarget[];
  /** The targets of VLLM_TARGETS_FILE, validated as Prometheus will read them. */
  readonly fileTargets: readonly VllmTarget[];
  /** True when VLLM_TARGET and VLLM_TARGETS_FILE are both empty: the built-in simulator is watched. */
  readonly demo: boolean;
  /** node_exporter and GPU exporter endpoints on other hosts (NODE_/GPU_EXPORTER_TARGETS and their files). */
  readonly exporters: ExporterTargets;
  /** This machine's name: the `hostname` label of the stack's own targets and of loopback ones, and MONITOR_NAME's default. */
  readonly hostName: string;
  /** The effective text of every substitutable variable (the template whitelist), defaults applied. */
  readonly substitutable: ReadonlyMap<EnvName, string | undefined>;
  readonly sources: Readonly<Record<EnvName, ValueSource>>;
  readonly envFile: { readonly path: string; readonly found: boolean };
  /** Things the user should know that are not errors (missing .env, likely typos, demo mode). */
  readonly notes: readonly string[];
}

export interface LoadSettingsOptions {
  /** Path of the .env file given by the user; must exist. Undefined: `.env`, which may be missing. */
  readonly envFile?: string;
  /** Overrides the file, like compose. Defaults to `process.env`. Empty values do not override. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Base for a relative envFile; defaults to `process.cwd()`. */
  readonly cwd?: string;
  /** This machine's name; defaults to `os.hostname()`. */
  readonly hostName?: string;
  /**
   * The command will run Grafana (`up`, `conf grafana|all`): a real setup (not demo, not an agent)
   * without ADMIN_PASSWORD is then one more problem of the same message, not a second error after
   * the first is fixed.
   */
  readonly requireGrafanaAdmin?: boolean;
}

interface RawValue {
  readonly text: string;
  readonly source: ValueSource;
}

/**
 * Reads the .env file and the environment, validates every variable against the schema and
 * returns the settings. All problems are reported at once in one UserError, each naming the
 * variable, where it came from and how to fix it; secret values are never shown. Writes nothing.
 */
export function loadSettings(options: LoadSettingsOptions = {}): Settings {
  const cwd = options.cwd ?? process.cwd();
  const shownEnvFile = options.envFile ?? DEFAULT_ENV_FILE;
  const envPath = resolve(cwd, shownEnvFile);
  const environment = options.environment ?? process.env;
  const notes: string[] = [];
  const problems: string[] = [];

  const fileText = readEnvFileText(envPath, shownEnvFile, options.envFile !== undefined);
  const raw = new Map<EnvName, RawValue>();
  if (fileText === undefined) {
    notes.push(`no ${shownEnvFile} file found: using defaults (copy .env_example to ${shownEnvFile} to configure)`);
  } else {
    const parsed = parseEnvFile(fileText, shownEnvFile);
    // why: push(...list) throws a RangeError past ~120,000 arguments (150,000 bad lines).
    for (const problem of parsed.problems) problems.push(problem);
    const firstLine = new Map<string, number>();
    for (const entry of parsed.entries) {
      if (!isEnvName(entry.name)) {
        // Other tools' variables may share the file; a near miss of ours is an error (see near-miss.ts).
        const near = nearMiss(entry.name);
        if (near !== undefined) problems.push(nearMissProblem(entry.name, near, `${shownEnvFile}:${entry.line}`));
        continue;
      }
      if ((ENV_VARIABLES[entry.name] as EnvVariable<unknown>).environmentOnly === true) {
        notes.push(
          `${shownEnvFile}:${entry.line}: ${entry.name} is read from the environment only (export ${entry.name}=… before the command); this line is ignored`,
        );
        continue;
      }
      const earlier = firstLine.get(entry.name);
      if (earlier !== undefined)
        notes.push(
          `${shownEnvFile}:${entry.line}: ${entry.name} is set again (first at line ${earlier}); the later line wins, as in shells and docker compose`,
        );
      firstLine.set(entry.name, entry.line);
      if (entry.value !== "") raw.set(entry.name, { text: entry.value, source: { kind: "file", file: shownEnvFile, line: entry.line } });
      else raw.delete(entry.name);
    }
  }
  for (const name of Object.keys(environment)) {
    const near = isEnvName(name) || environment[name] === "" ? undefined : nearMiss(name, { pluralOnly: true });
    if (near !== undefined) problems.push(nearMissProblem(name, near, "environment variable"));
  }
  for (const name of ENV_NAMES) {
    const fromEnvironment = environment[name];
    if (fromEnvironment !== undefined && fromEnvironment !== "") raw.set(name, { text: fromEnvironment, source: { kind: "environment" } });
  }

  // why: VLLM_TARGET and VLLM_TARGETS_FILE have no default, so demo mode is known before any default applies.
  const demo = !raw.has("VLLM_TARGET") && !raw.has("VLLM_TARGETS_FILE");
  const values: Partial<Record<EnvName, unknown>> = {};
  const sources = {} as Record<EnvName, ValueSource>;
  const effectiveText = new Map<EnvName, string | undefined>();
  for (const name of ENV_NAMES) {
    const variable: EnvVariable<unknown> = ENV_VARIABLES[name];
    const given = raw.get(name);
    const text = given?.text ?? (demo ? (variable.demoDefault ?? variable.default) : variable.default);
    sources[name] = given?.source ?? { kind: "default" };
    effectiveText.set(name, text);
    if (text === undefined) continue;
    const parsed = parseVariable(name, text, sources[name]);
    if (!parsed.ok) {
      problems.push(parsed.problem);
      continue;
    }
    if (variable.path !== undefined && typeof parsed.value === "string") {
      const base = sources[name].kind === "file" ? dirname(envPath) : cwd;
      const checked = checkPath(name, variable.path, resolve(base, parsed.value), sources[name]);
      if (checked.ok) values[name] = checked.path;
      else problems.push(checked.problem);
      continue;
    }
    values[name] = variable.secret && typeof parsed.value === "string" ? new Secret(name, parsed.value) : parsed.value;
  }
  // Every variable was parsed by its own schema above; the record now matches EnvValues.
  const env = values as EnvValues;

  const targets = resolveTargets(env.VLLM_TARGET ?? [], { scheme: env.SCHEMA, metricsPath: env.VLLM_METRICS_PATH });
  let fileTargets: VllmTarget[] = [];
  if (env.VLLM_TARGETS_FILE !== undefined) {
    const read = readTargetsFile(env.VLLM_TARGETS_FILE, { scheme: env.SCHEMA, metricsPath: env.VLLM_METRICS_PATH });
    fileTargets = read.targets;
    for (const problem of read.problems) problems.push(describeProblem("VLLM_TARGETS_FILE", sources.VLLM_TARGETS_FILE, problem));
  }
  for (const duplicate of duplicateTargets([...targets, ...fileTargets])) {
    problems.push(
      describeProblem("VLLM_TARGET", sources.VLLM_TARGET, `lists ${duplicate} more than once (VLLM_TARGET and VLLM_TARGETS_FILE together)`),
    );
  }
  const exporters = resolveExporterTargets(env);
  const fleet = fleetChecks(env);
  for (const problem of [...exporters.problems, ...fleet.problems, ...alertChecks(env, sources)])
    problems.push(describeProblem(problem.variable, sources[problem.variable], problem.message, undefined, problem.fix));
  notes.push(...fleet.notes);
  if (
    options.requireGrafanaAdmin === true &&
    !demo &&
    env.PROMETHEUS_MODE !== "agent" &&
    effectiveText.get("ADMIN_PASSWORD") === undefined
  ) {
    problems.push(describeProblem("ADMIN_PASSWORD", sources.ADMIN_PASSWORD, MISSING_ADMIN_PASSWORD));
  }

  if (problems.length > 0) {
    const where = fileText === undefined ? "the environment" : shownEnvFile;
    throw new UserError(`invalid configuration in ${where} (${problems.length} problem${problems.length === 1 ? "" : "s"}):`, problems);
  }

  const substitutable = new Map<EnvName, string | undefined>();
  for (const name of ENV_NAMES) if (ENV_VARIABLES[name].substitutable) substitutable.set(name, effectiveText.get(name));

  const hostName = options.hostName ?? hostname();
  return {
    env,
    targets,
    fileTargets,
    demo,
    exporters: exporters.targets,
    hostName,
    substitutable,
    sources,
    envFile: { path: envPath, found: fileText !== undefined },
    notes,
  };
}

/**
 * One variable straight from the environment, checked by its schema, for the few commands that
 * read no .env (the simulator's SIMULATOR_TOKEN). Throws the loader's UserError on a bad value.
 */
export function environmentVariable<K extends EnvName>(
  name: K,
  environment: Readonly<Record<string, string | undefined>> = process.env,
): EnvValues[K] | undefined {
  const text = environment[name];
  if (text === undefined || text === "") return undefined;
  const parsed = parseVariable(name, text, { kind: "environment" });
  if (!parsed.ok) throw new UserError("invalid configuration in the environment (1 problem):", [parsed.problem]);
  const value = ENV_VARIABLES[name].secret && typeof parsed.value === "string" ? new Secret(name, parsed.value) : parsed.value;
  return value as EnvValues[K];
}

function parseVariable(name: EnvName, text: string, source: ValueSource): { ok: true; value: unknown } | { ok: false; problem: string } {
  const variable: EnvVariable<unknown> = ENV_VARIABLES[name];
  const result = variable.schema.safeParse(text);
  // why: every setting ends up in a label, a path, a URL or a header, where ESC or NUL corrupts output or terminals.
  if (result.success && hasControl(text))
    return { ok: false, problem: describeProblem(name, source, "contains a control character (such as ESC, NUL or a line break)", text) };
  if (result.success) return { ok: true, value: result.data };
  const messages = result.error.issues.map((issue) => issue.message);
  const shown =
    messages.length > MAX_PROBLEMS
      ? [...messages.slice(0, MAX_PROBLEMS), `… and ${(messages.length - MAX_PROBLEMS).toLocaleString("en-US")} more`]
      : messages;
  return { ok: false, problem: describeProblem(name, source, shown.join("; "), text) };
}

/** `.env:4`, `environment variable`, or `not set`. */
export function describeSource(source: ValueSource | undefined): string {
  if (source === undefined || source.kind === "default") return "not set";
  if (source.kind === "environment") return "environment variable";
  return `${source.file}:${source.line}`;
}

/** The one message style for a bad variable: name, where it came from, what is wrong, how to fix it. */
export function describeProblem(name: EnvName, source: ValueSource | undefined, message: string, text?: string, fix?: string): string {
  const variable: EnvVariable<unknown> = ENV_VARIABLES[name];
  // why: target lists' messages quote the bad item already, with any user:password redacted; a refused header may hold a credential.
  const quote = !variable.secret && text !== undefined && !UNQUOTED.has(name);
  const isSet = source !== undefined && source.kind !== "default";
  const shown = variable.secret ? (isSet ? " (value hidden)" : "") : quote ? ` (got "${echo(redactUserInfo(text))}")` : "";
  return `${name} (${describeSource(source)}): ${message}${shown}. How to fix: ${fix ?? variable.fix}`;
}

const UNQUOTED: ReadonlySet<EnvName> = new Set(["VLLM_TARGET", "NODE_EXPORTER_TARGETS", "GPU_EXPORTER_TARGETS", "REMOTE_WRITE_HEADERS"]);

/** `https://user:pw@host` → `https://***@host`: a URL's password is never echoed. */
function redactUserInfo(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/g, "//***@");
}

/** MONITOR_NAME, or this host's name: the external label `monitor` of every series sent and every alert. */
export function monitorName(settings: Pick<Settings, "env" | "hostName">): string {
  return settings.env.MONITOR_NAME ?? settings.hostName;
}

/** A name that is not ours but close to one: the loader would ignore it, so it is an error with the fix. */
function nearMissProblem(name: string, near: EnvName, where: string): string {
  return `${name} (${where}): is not a vllm-monitor variable, so it would be ignored; did you mean ${near}? How to fix: rename it to ${near}`;
}

function readEnvFileText(path: string, shownAs: string, explicit: boolean): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !explicit) return undefined;
    if (code === "ENOENT") {
      throw new UserError(`the env file ${shownAs} does not exist (given with --env-file)`, [
        `create it (cp .env_example ${shownAs}), fix the path, or leave --env-file out to use ./.env`,
      ]);
    }
    throw new UserError(`cannot read the env file ${shownAs}: ${code ?? (error as Error).message}`, [
      code === "EISDIR"
        ? `${shownAs} is a folder; pass a file with --env-file`
        : `make ${shownAs} readable (chmod u+r ${shownAs}) or pass another file with --env-file`,
    ]);
  }
}

type PathCheck = { ok: true; path: string } | { ok: false; problem: string };

/** Checks a path variable (already absolute) is what it must be: a readable file, an executable, a folder. */
function checkPath(name: EnvName, kind: "file" | "executable" | "directory", absolute: string, source: ValueSource): PathCheck {
  const fail = (reason: string): PathCheck => ({ ok: false, problem: describeProblem(name, source, `${absolute} ${reason}`) });
  let info;
  try {
    info = statSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(
      code === "ENOENT" ? "does not exist" : code === "EACCES" ? "is not readable" : `cannot be read (${code ?? "unknown error"})`,
    );
  }
  if (kind === "directory" && !info.isDirectory()) return fail("is not a folder");
  if (kind !== "directory" && !info.isFile()) return fail("is not a regular file");
  try {
    accessSync(absolute, kind === "executable" ? constants.X_OK : constants.R_OK);
  } catch {
    return fail(kind === "executable" ? "is not executable" : "is not readable");
  }
  return { ok: true, path: absolute };
}

/** Said whenever a stack starts or renders in demo mode; not a settings note, since Kubernetes has no demo mode. */
export const DEMO_MODE_NOTE = "VLLM_TARGET is empty: watching the built-in simulator (demo mode)";

/** What a stack command says before it starts: the settings' notes, and the demo-mode note when it applies. */
export function stackNotes(settings: Pick<Settings, "demo" | "notes">): string[] {
  return [...settings.notes, ...(settings.demo ? [DEMO_MODE_NOTE] : [])];
}
