/**
 * The compose stack: start, stop, follow logs and build, through whichever compose
 * implementation answers. Rendering the configs is the caller's job (the CLI's `up` renders
 * first); this module only needs the output folder that holds build/compose.env.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { environmentVariable } from "../../config/load.js";
import { defaultValue } from "../../config/schema.js";
import { UserError } from "../../errors.js";
import {
  composeBuildArgs,
  composeDownArgs,
  composeLogsArgs,
  composeReloadArgs,
  composeUpArgs,
  type ComposeTarget,
  type ComposeTool,
} from "./args.js";
import { activeProfiles, ensureImages } from "./images.js";
import { runCompose } from "./tool.js";

export { requireCompose } from "./tool.js";

/** Where the CLI's conf module writes the normalized env file for compose, inside the output folder. */
export const COMPOSE_ENV_FILE_NAME = "compose.env";

/** docker-compose.yml at the package root (two levels up from both src/stack and dist/stack). */
export function defaultComposeFile(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docker-compose.yml");
}

export interface ComposeStackOptions {
  /** The output folder the configs were rendered into (default `build`). */
  readonly outDir: string;
  /** Defaults to the package's docker-compose.yml. */
  readonly composeFile?: string;
}

export interface ComposeContext {
  readonly tool: ComposeTool;
  readonly target: ComposeTarget;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Variables the CLI hands compose through the environment (which wins over --env-file):
 * the output folder as an absolute path, so `--out` works from any directory, and the host user
 * the Prometheus and Grafana containers run as (see docker-compose.yml's header).
 */
export function composeProcessEnv(outDir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    VLLM_MONITOR_OUT: resolve(outDir),
    HOST_UID: String(process.getuid?.() ?? 1000),
    HOST_GID: String(process.getgid?.() ?? 1000),
  };
}

/**
 * Values that let compose parse the file for `down` and `build` when compose.env is gone
 * (e.g. after `clean`): those commands start nothing, so no real credential is needed.
 */
const PARSE_ONLY_ENV = {
  GF_SECURITY_ADMIN_USER: "unused-by-this-command",
  GF_SECURITY_ADMIN_PASSWORD: "unused-by-this-command",
};

function composeEnvFile(outDir: string): string {
  return resolve(outDir, COMPOSE_ENV_FILE_NAME);
}

/**
 * COMPOSE_PROJECT_NAME, compose's own variable, picks another project than `vllm-monitor`: two
 * stacks side by side on one engine (two fleets, or tests that must not touch yours), each with
 * its own containers, networks and volumes. Declared in the settings schema, read from the environment.
 */
export function composeProjectName(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return environmentVariable("COMPOSE_PROJECT_NAME", env) ?? defaultValue("COMPOSE_PROJECT_NAME");
}

/**
 * Everything a compose command needs, for a tool found by `requireCompose()`.
 * `requireEnvFile` is true for `up` and `logs`, which need the rendered compose.env.
 */
export function composeContext(tool: ComposeTool, options: ComposeStackOptions, requireEnvFile: boolean): ComposeContext {
  const composeFile = resolve(options.composeFile ?? defaultComposeFile());
  if (!existsSync(composeFile)) {
    throw new UserError(`The compose file ${composeFile} does not exist.`, [
      "run vllm-monitor from a checkout of the repository, or pass --compose-file PATH",
    ]);
  }
  const envFile = composeEnvFile(options.outDir);
  const hasEnvFile = existsSync(envFile);
  if (requireEnvFile && !hasEnvFile) {
    throw new UserError(`${envFile} does not exist: the configs were not rendered into ${options.outDir}.`, [
      "run `vllm-monitor up` (it renders them first) or `vllm-monitor conf all --mode compose` with the same --out",
    ]);
  }
  const baseEnv = hasEnvFile ? process.env : { ...process.env, ...PARSE_ONLY_ENV };
  return {
    tool,
    target: { composeFile, projectName: composeProjectName(), envFile: hasEnvFile ? envFile : undefined },
    env: composeProcessEnv(options.outDir, baseEnv),
  };
}

export interface ComposeUpOptions {
  /** Rebuild our own image first. */
  readonly build?: boolean;
  /** Only these services (and what they depend on); every enabled one when empty. */
  readonly services?: readonly string[];
}

/**
 * `up -d` (optionally rebuilding our image first), once every image it needs is here or pulled.
 * Expects compose.env to be rendered already.
 */
export async function composeUp(context: ComposeContext, options: ComposeUpOptions = {}): Promise<void> {
  const envFileText = context.target.envFile === undefined ? undefined : readFileSync(context.target.envFile, "utf8");
  await ensureImages({
    tool: context.tool,
    target: context.target,
    env: context.env,
    profiles: activeProfiles(context.env, envFileText),
    services: options.services ?? [],
    build: options.build === true,
  });
  await runCompose(context.tool, composeUpArgs(context.tool, context.target, options), {
    env: context.env,
    purpose: "start the compose stack",
  });
}

/** `down` across every profile; named volumes are kept unless `volumes` is set. */
export async function composeDown(context: ComposeContext, options: { volumes?: boolean } = {}): Promise<void> {
  await runCompose(context.tool, composeDownArgs(context.tool, context.target, options), {
    env: context.env,
    purpose: "stop the compose stack",
  });
}

/** Streams the services' logs until Ctrl-C. */
export async function composeLogs(
  context: ComposeContext,
  options: { follow?: boolean; services?: readonly string[] } = {},
): Promise<void> {
  await runCompose(context.tool, composeLogsArgs(context.tool, context.target, options), {
    env: context.env,
    purpose: "read the stack's logs",
    stopsOnInterrupt: true,
  });
}

/** Makes Prometheus, and Alertmanager when it runs, re-read their configuration (SIGHUP); the TSDB and the containers stay. */
export async function composeReload(context: ComposeContext, options: { readonly alertmanager: boolean }): Promise<void> {
  await runCompose(context.tool, composeReloadArgs(context.tool, context.target, options), {
    env: context.env,
    purpose: options.alertmanager
      ? "make Prometheus and Alertmanager reload their configuration"
      : "make Prometheus reload its configuration",
  });
}

/** Builds our own image (the simulator). */
export async function composeBuild(context: ComposeContext): Promise<void> {
  await runCompose(context.tool, composeBuildArgs(context.tool, context.target), {
    env: context.env,
    purpose: "build the vllm-monitor image",
  });
}
