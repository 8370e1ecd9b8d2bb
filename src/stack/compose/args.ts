/**
 * Pure argv builders for `docker compose` (v2 plugin) and `docker-compose` (v1). They never run
 * anything; `compose.ts` runs what they return.
 */
import { composeProfileNames } from "../../config/services.js";

/** Which compose implementation answers on this machine. */
export type ComposeFlavor = "plugin" | "standalone";

export interface ComposeTool {
  readonly flavor: ComposeFlavor;
  /** The executable: `docker` for the plugin, `docker-compose` for v1. */
  readonly command: string;
  /** Arguments that come before everything else: `["compose"]` for the plugin. */
  readonly prefix: readonly string[];
}

export const COMPOSE_PLUGIN: ComposeTool = { flavor: "plugin", command: "docker", prefix: ["compose"] };
export const COMPOSE_STANDALONE: ComposeTool = { flavor: "standalone", command: "docker-compose", prefix: [] };

/** The profile of the services we build ourselves (the simulator image). */
export const BUILD_PROFILE = "demo";

export interface ComposeTarget {
  readonly composeFile: string;
  /**
   * Always given (COMPOSE_PROJECT_NAME, default `vllm-monitor`): volumes and containers keep one
   * name wherever the repository was cloned (compose would otherwise name them after the folder).
   */
  readonly projectName: string;
  /** build/compose.env; absent when it was never rendered (then `down` and `build` run without it). */
  readonly envFile?: string;
  /** Profiles to enable on top of COMPOSE_PROFILES from the env file. */
  readonly profiles?: readonly string[];
}

/** The options every compose invocation starts with, in the order both implementations accept. */
export function composeGlobalArgs(tool: ComposeTool, target: ComposeTarget): string[] {
  const args = [...tool.prefix, "--project-name", target.projectName];
  if (target.envFile !== undefined) args.push("--env-file", target.envFile);
  args.push("--file", target.composeFile);
  for (const profile of target.profiles ?? []) args.push("--profile", profile);
  return args;
}

export interface UpArgsOptions {
  /** Rebuild our own images first. */
  readonly build?: boolean;
  /** Only these services (and what they depend on); all of the enabled profiles when empty. */
  readonly services?: readonly string[];
}

/** `up -d`: start (or update) the stack in the background. */
export function composeUpArgs(tool: ComposeTool, target: ComposeTarget, options: UpArgsOptions = {}): string[] {
  const args = [...composeGlobalArgs(tool, target), "up", "--detach", "--remove-orphans"];
  if (options.build === true) args.push("--build");
  args.push(...(options.services ?? []));
  return args;
}

/** `config`: the compose file with every variable resolved, as YAML (for the image check). */
export function composeConfigArgs(tool: ComposeTool, target: ComposeTarget): string[] {
  return [...composeGlobalArgs(tool, target), "config"];
}

export interface DownArgsOptions {
  /** Also delete the named volumes (Prometheus TSDB, Grafana data). */
  readonly volumes?: boolean;
}

/** `down` with every profile enabled, so profiled services started earlier are stopped too. */
export function composeDownArgs(tool: ComposeTool, target: ComposeTarget, options: DownArgsOptions = {}): string[] {
  // why: every profile of the service table, so profiled services started earlier are stopped too.
  const allProfiles: ComposeTarget = { ...target, profiles: composeProfileNames() };
  const args = [...composeGlobalArgs(tool, allProfiles), "down", "--remove-orphans"];
  if (options.volumes === true) args.push("--volumes");
  return args;
}

export interface LogsArgsOptions {
  readonly follow?: boolean;
  /** Lines of history per service before following. */
  readonly tail?: number;
  readonly services?: readonly string[];
}

export function composeLogsArgs(tool: ComposeTool, target: ComposeTarget, options: LogsArgsOptions = {}): string[] {
  const args = [...composeGlobalArgs(tool, target), "logs"];
  if (options.follow !== false) args.push("--follow");
  args.push("--tail", String(options.tail ?? 100));
  args.push(...(options.services ?? []));
  return args;
}

/**
 * `kill -s SIGHUP prometheus [alertmanager]`: Prometheus re-reads its config, rules and targets, and
 * Alertmanager (when alerting is configured) its routes, receivers and secret files, without losing data.
 */
export function composeReloadArgs(tool: ComposeTool, target: ComposeTarget, options: { readonly alertmanager: boolean }): string[] {
  const withAlerts: ComposeTarget = options.alertmanager ? { ...target, profiles: [...(target.profiles ?? []), "alerts"] } : target;
  return [...composeGlobalArgs(tool, withAlerts), "kill", "-s", "SIGHUP", "prometheus", ...(options.alertmanager ? ["alertmanager"] : [])];
}

/**
 * `build`: our own images only (the simulator), whatever profiles the env file enables.
 * why: no `--pull`: a NODE_IMAGE loaded with `docker load` on an air-gapped host exists only locally.
 */
export function composeBuildArgs(tool: ComposeTool, target: ComposeTarget): string[] {
  const withBuildProfile: ComposeTarget = { ...target, profiles: [...(target.profiles ?? []), BUILD_PROFILE] };
  return [...composeGlobalArgs(tool, withBuildProfile), "build"];
}
