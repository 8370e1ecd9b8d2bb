/**
 * The running stacks of this user, so `status`, `down`, `logs` and `reload` find a stack from any
 * folder and whatever `--out` it was started with. One JSON file per stack, keyed by its output
 * folder, under `$XDG_STATE_HOME/vllm-monitor/stacks` (default `~/.local/state/…`). Holds no secret.
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { ensurePrivateFolder } from "../render/private-files.js";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { UserError } from "../errors.js";

const portUse = z.object({ port: z.number().int(), variable: z.string().optional() });

const nativeState = z.object({
  kind: z.literal("native"),
  supervisorPid: z.number().int(),
  /** `starting` until every process is ready, `failed` after a child died (kept for `status`). */
  phase: z.enum(["starting", "running", "stopping", "failed"]),
  startedAt: z.string(),
  demo: z.boolean(),
  /** Absolute paths. */
  outDir: z.string(),
  envFile: z.string(),
  /** The folder holding `.vllm-monitor/` (TSDB, log). */
  workDir: z.string(),
  logFile: z.string(),
  prometheusUrl: z.string(),
  /** PROMETHEUS_MODE it started with; absent in records of older versions (server). */
  prometheusMode: z.enum(["server", "agent"]).optional(),
  /** REMOTE_WRITE_URL it sends to, if any (a URL without credentials: the loader refuses user:password@). */
  remoteWriteUrl: z.string().optional(),
  processes: z.array(
    z.object({
      name: z.string(),
      pid: z.number().int(),
      command: z.string(),
      ports: z.array(portUse),
      /** Times the supervisor restarted it after it died, how it last ended, and whether it keeps failing. */
      restarts: z.number().int().optional(),
      lastExit: z.string().optional(),
      failing: z.boolean().optional(),
    }),
  ),
  /** The child whose death stopped the stack: its name, how it ended and its last lines. */
  failure: z.object({ name: z.string(), how: z.string(), at: z.string(), lastLines: z.array(z.string()) }).optional(),
});

const composeState = z.object({
  kind: z.literal("compose"),
  startedAt: z.string(),
  demo: z.boolean(),
  outDir: z.string(),
  envFile: z.string(),
  workDir: z.string(),
  composeFile: z.string(),
  grafanaUrl: z.string(),
  /** How to reach its containers by hand, e.g. `docker-compose -p vllm-monitor`; absent in records of older versions. */
  composeCommand: z.string().optional(),
  prometheusMode: z.enum(["server", "agent"]).optional(),
  remoteWriteUrl: z.string().optional(),
});

const stackState = z.discriminatedUnion("kind", [nativeState, composeState]);

export type NativeState = z.infer<typeof nativeState>;
export type ComposeState = z.infer<typeof composeState>;
export type StackState = z.infer<typeof stackState>;

type Environment = Readonly<Record<string, string | undefined>>;

/** Where the registry lives. */
export function registryDir(environment: Environment = process.env): string {
  const stateHome = environment.XDG_STATE_HOME !== undefined && environment.XDG_STATE_HOME !== "" ? environment.XDG_STATE_HOME : join(homedir(), ".local", "state");
  return join(stateHome, "vllm-monitor", "stacks");
}

function entryFile(outDir: string, environment: Environment): string {
  const key = createHash("sha256").update(resolve(outDir)).digest("hex").slice(0, 16);
  return join(registryDir(environment), `${key}.json`);
}

function parse(file: string): StackState | undefined {
  try {
    const parsed = stackState.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The stack rendered into `outDir`, if one is recorded. */
export function readStack(outDir: string, environment: Environment = process.env): StackState | undefined {
  return parse(entryFile(outDir, environment));
}

/** Writes atomically (temp file + rename) so a reader never sees half a file. */
export function recordStack(state: StackState, environment: Environment = process.env): void {
  const file = entryFile(state.outDir, environment);
  ensurePrivateFolder(registryDir(environment));
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

export function forgetStack(outDir: string, environment: Environment = process.env): void {
  rmSync(entryFile(outDir, environment), { force: true });
}

/** Every recorded stack, oldest first. */
export function listStacks(environment: Environment = process.env): StackState[] {
  let names: string[];
  try {
    names = readdirSync(registryDir(environment)).filter((name) => name.endsWith(".json"));
  } catch {
    return [];
  }
  return names
    .map((name) => parse(join(registryDir(environment), name)))
    .filter((state): state is StackState => state !== undefined)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/**
 * The stack a command without a definite target means: the one rendered into `outDir` when
 * `--out` was given, else the only recorded one. Several recorded and no `--out`: a UserError
 * listing them. None: undefined.
 */
export function findStack(options: { outDir?: string; cwd?: string; environment?: Environment }): StackState | undefined {
  const environment = options.environment ?? process.env;
  if (options.outDir !== undefined) return readStack(resolve(options.cwd ?? process.cwd(), options.outDir), environment);
  const stacks = listStacks(environment);
  if (stacks.length <= 1) return stacks[0];
  throw new UserError(`${stacks.length} stacks are recorded; say which one with --out:`, stacks.map((stack) => `--out ${stack.outDir}  (${stack.kind}, started ${stack.startedAt})`));
}

/** True when a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
