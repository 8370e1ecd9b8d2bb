/**
 * Rendering the configuration for a stack: what `conf` does, and what `up` and `reload` do before
 * they start or signal anything. Endpoints come from the service table, Grafana's account from
 * grafana-admin.ts; a native stack reading the output folder is never re-rendered behind its back.
 */
import { stackNotes, type Settings } from "../config/load.js";
import { UserError } from "../errors.js";
import { composeEndpoints, expectedServices, nativeEndpoints } from "../render/endpoints.js";
import { alertingConfigured } from "../config/alert-destinations.js";
import { versionFromImage } from "../prometheus/version.js";
import type { StackMode } from "../render/layout.js";
import { renderStackConfig, type RenderStackOptions, type StackPart } from "../render/stack.js";
import { removeOutputTree, writeOutputTree, type WriteResult } from "../render/writer.js";
import { configuredGrafanaAdmin, grafanaAdmin, lockedGrafanaAdmin } from "./grafana-admin.js";
import { imageVersion } from "./prometheus-version.js";
import { isAlive, readStack, type StackState } from "./registry.js";

/** Renders the stack's files in memory, then writes them (see `writeOutputTree`). Nothing is written when rendering fails. */
export async function writeStackConfig(settings: Settings, options: RenderStackOptions): Promise<WriteResult> {
  const rendered = await renderStackConfig(settings, options);
  return writeOutputTree(options.outDir, rendered.files, { ownedRoots: rendered.ownedRoots });
}

export interface ConfigureOptions {
  readonly outDir: string;
  readonly mode: StackMode;
  readonly part: StackPart;
}

export interface Configured {
  readonly result: WriteResult;
  /** The settings' notes, and where a generated Grafana password is kept. */
  readonly notes: readonly string[];
}

/** A native stack whose supervisor lives reads `outDir`: rendering or deleting it would break it silently. */
export function runningNativeStack(outDir: string): StackState | undefined {
  const stack = readStack(outDir);
  return stack?.kind === "native" && isAlive(stack.supervisorPid) ? stack : undefined;
}

function refuseWhileNativeRuns(outDir: string, doing: string): void {
  const stack = runningNativeStack(outDir);
  if (stack === undefined || stack.kind !== "native") return;
  throw new UserError(
    `A native stack (supervisor pid ${stack.supervisorPid}) runs from ${stack.outDir}; ${doing} would break every scrape of it.`,
    ["apply a .env change to the running stack with: vllm-monitor reload", "or stop it first: vllm-monitor down"],
  );
}

/** `vllm-monitor conf`: render the settings for `mode` into the output folder. */
export async function configureStack(settings: Settings, options: ConfigureOptions): Promise<Configured> {
  refuseWhileNativeRuns(options.outDir, "rendering it again from here");
  const notes = stackNotes(settings);
  const agent = settings.env.PROMETHEUS_MODE === "agent";
  // why: an agent runs no Grafana, so "all" means Prometheus's files (and compose.env) only.
  const part = agent && options.part === "all" ? "prometheus" : options.part;
  let admin = agent && options.mode === "compose" ? lockedGrafanaAdmin() : configuredGrafanaAdmin(settings);
  if (part === "grafana" || part === "all") {
    const resolved = grafanaAdmin(settings);
    admin = resolved.admin;
    if (resolved.note !== undefined) notes.push(resolved.note);
  }
  // why: the stack runs Alertmanager (compose: profile alerts) whenever a notification has somewhere to go.
  const alerting = alertingConfigured(settings.env) && !agent;
  const services = expectedServices(settings, { alertmanager: alerting });
  const endpoints = options.mode === "compose" ? composeEndpoints(settings, services) : nativeEndpoints(settings, services);
  const alertmanagerImageVersion = options.mode === "compose" && alerting ? versionFromImage(settings.env.ALERTMANAGER_IMAGE) : undefined;
  // why: compose.env carries the agent flag, which differs between Prometheus 2.x and 3.x images.
  const agentInCompose = options.mode === "compose" && part !== "rules" && agent;
  const prometheusVersion = agentInCompose ? await imageVersion(settings.env.PROMETHEUS_IMAGE) : undefined;
  const result = await writeStackConfig(settings, {
    mode: options.mode,
    outDir: options.outDir,
    endpoints,
    part,
    ...(admin === undefined ? {} : { grafanaAdmin: admin }),
    ...(prometheusVersion === undefined ? {} : { prometheusVersion }),
    ...(alertmanagerImageVersion === undefined
      ? {}
      : { alertmanagerVersion: { version: alertmanagerImageVersion, which: `ALERTMANAGER_IMAGE ${settings.env.ALERTMANAGER_IMAGE}` } }),
  });
  return { result, notes };
}

/** `vllm-monitor clean`: delete the output folder, unless a recorded stack reads it. */
export async function cleanOutput(outDir: string): Promise<boolean> {
  refuseWhileNativeRuns(outDir, "deleting its configuration");
  const compose = readStack(outDir);
  if (compose?.kind === "compose") {
    throw new UserError(
      `The compose stack started with --out ${compose.outDir} mounts this folder; deleting it would break Prometheus and Grafana.`,
      ["stop the stack with: vllm-monitor down (it deletes the folder too)"],
    );
  }
  return removeOutputTree(outDir);
}
