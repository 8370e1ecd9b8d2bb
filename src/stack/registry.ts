/**
 * The running stacks of this user, so `status`, `down`, `logs`, `reload` and `doctor` find a stack
 * from any folder and whatever `--out` it was started with. One JSON file per stack, keyed by its
 * output folder, under `$XDG_STATE_HOME/vllm-monitor/stacks` (default `~/.local/state/…`). Each
 * record names its stack (`--stack NAME`), the user who started it and the folder it was started
 * in. Holds no secret.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { ensurePrivateFolder } from "../render/private-files.js";
import { homedir, userInfo } from "node:os";
import { basename, join, resolve } from "node:path";
import { z } from "zod";
import { UserError } from "../errors.js";

const portUse = z.object({ port: z.number().int(), variable: z.string().optional() });

/** Who started a stack and what it is called; absent in records of older versions. */
const identity = {
  /** What `--stack NAME` matches: the compose project name, or the native stack's folder name. */
  name: z.string().optional(),
  /** The user who started it, and their uid (a shared XDG_STATE_HOME must not mix users' stacks). */
  user: z.string().optional(),
  uid: z.number().int().optional(),
};

const nativeState = z.object({
  ...identity,
  kind: z.literal("native"),
  supervisorPid: z.number().int(),
  /** `starting` until every process is ready, `failed` after a child died (kept for `status`). */
  phase: z.enum(["starting", "running", "stopping", "failed"]),
  startedAt: z.string(),
  demo: z.boolean(),
  /** Absolute paths. */
  outDir: z.string(),
  envFile: z.string(),
  /** The folder it was started from. */
  workDir: z.string(),
  /** Its data folder (TSDBs, run logs; see native/paths.ts); absent in records of older versions (`workDir/.vllm-monitor`). */
  dataDir: z.string().optional(),
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
  ...identity,
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
export type StackState = z.infer<typeof stackState>;

type Environment = Readonly<Record<string, string | undefined>>;

/** `$XDG_STATE_HOME/vllm-monitor` (default `~/.local/state/vllm-monitor`): the registry and the native stacks' data. */
export function stateHomeDir(environment: Environment = process.env): string {
  const stateHome =
    environment.XDG_STATE_HOME !== undefined && environment.XDG_STATE_HOME !== ""
      ? environment.XDG_STATE_HOME
      : join(homedir(), ".local", "state");
  return join(stateHome, "vllm-monitor");
}

/** Where the registry lives. */
export function registryDir(environment: Environment = process.env): string {
  return join(stateHomeDir(environment), "stacks");
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
  const owner = userInfo();
  const stamped: StackState = { ...state, name: stackName(state), user: state.user ?? owner.username, uid: state.uid ?? owner.uid };
  writeFileSync(temp, `${JSON.stringify(stamped, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

export function forgetStack(outDir: string, environment: Environment = process.env): void {
  rmSync(entryFile(outDir, environment), { force: true });
}

/** Every recorded stack of this user, oldest first, live or not. */
export function listStacks(environment: Environment = process.env): StackState[] {
  let names: string[];
  try {
    names = readdirSync(registryDir(environment)).filter((name) => name.endsWith(".json"));
  } catch {
    return [];
  }
  const uid = userInfo().uid;
  return names
    .map((name) => parse(join(registryDir(environment), name)))
    .filter((state): state is StackState => state !== undefined && (state.uid === undefined || state.uid === uid))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** The name `--stack` matches: recorded, else (older records) the folder it was started in. */
export function stackName(state: StackState): string {
  return state.name ?? basename(state.workDir);
}

/**
 * True while a stack runs: a native one while its supervisor's pid lives. A compose stack has no
 * pid of ours (the engine runs it); it counts while the output folder its containers mount is
 * there (`down` deletes both the folder and the record; a deleted folder leaves nothing to run on).
 */
export function isLive(state: StackState): boolean {
  return state.kind === "compose" ? existsSync(state.outDir) : isAlive(state.supervisorPid);
}

/** The stacks that run now. */
export function liveStacks(environment: Environment = process.env): StackState[] {
  return listStacks(environment).filter(isLive);
}

/** One line per stack, for messages that list them: name, state, kind, folder and output folder. */
export function describeStacks(stacks: readonly StackState[]): string[] {
  return stacks.map(
    (stack) =>
      `${stackName(stack)}: ${isLive(stack) ? "running" : "stopped"} ${stack.kind} stack of ${stack.user ?? "?"}, started ${stack.startedAt} in ${stack.workDir} (--out ${stack.outDir})`,
  );
}

export interface FindStackOptions {
  readonly outDir?: string;
  /** `--stack NAME`: a recorded stack's name (or its output folder). */
  readonly name?: string;
  readonly cwd?: string;
  readonly environment?: Environment;
}

/**
 * The stack a command means: the one named by `--stack` or rendered into `--out`, else the only
 * running one (the only recorded one when none runs, so `down` and `status` still reach a stack
 * that died). Several running and none named: a UserError listing them. An unknown name: a
 * UserError naming the known stacks. Nothing recorded: undefined.
 */
export function findStack(options: FindStackOptions): StackState | undefined {
  const environment = options.environment ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  if (options.name !== undefined) return namedStack(options.name, cwd, environment);
  if (options.outDir !== undefined) return readStack(resolve(cwd, options.outDir), environment);
  const all = listStacks(environment);
  const live = all.filter(isLive);
  if (live.length === 1) return live[0];
  if (live.length > 1) throw new UserError(`${live.length} stacks are running; say which one with --stack NAME:`, describeStacks(live));
  if (all.length > 1)
    throw new UserError(
      `No stack is running, and ${all.length} stopped ones are recorded; say which one with --stack NAME:`,
      describeStacks(all),
    );
  return all[0];
}

function namedStack(name: string, cwd: string, environment: Environment): StackState {
  const all = listStacks(environment);
  const matches = all.filter((stack) => stackName(stack) === name || stack.outDir === resolve(cwd, name));
  if (matches.length === 1 && matches[0] !== undefined) return matches[0];
  if (matches.length > 1)
    throw new UserError(`${matches.length} stacks are named ${name}; say which one with --out:`, describeStacks(matches));
  throw new UserError(
    `No stack is named ${name}.`,
    all.length === 0
      ? ["no stack is recorded: start one with vllm-monitor up (compose) or vllm-monitor up --native"]
      : ["the stacks vllm-monitor knows:", ...describeStacks(all)],
  );
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
