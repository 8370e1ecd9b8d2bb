/**
 * Finds the compose implementation and checks that a Docker engine answers, turning every
 * failure into a UserError that says what to do (start Docker, install compose, or go native).
 */
import { execFile } from "node:child_process";
import { UserError } from "../../errors.js";
import { print, printError } from "../../output.js";
import { startProcess, type ExitInfo } from "../../process/index.js";
import { COMPOSE_PLUGIN, COMPOSE_STANDALONE, type ComposeTool } from "./args.js";

const PROBE_TIMEOUT_MS = 20_000;

export interface ProbeResult {
  /** False when the executable could not be started at all (not on PATH). */
  readonly started: boolean;
  readonly ok: boolean;
  readonly output: string[];
}

/** Runs a short command to completion with a bounded wait and keeps its output for messages. */
export async function probe(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<ProbeResult> {
  const child = startProcess({ name: command, command, args, env });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), PROBE_TIMEOUT_MS);
  });
  const outcome: ExitInfo | "timeout" = await Promise.race([child.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    await child.stop();
    return { started: true, ok: false, output: [...child.recentOutput(), `no answer after ${PROBE_TIMEOUT_MS / 1000} s`] };
  }
  const started = !(outcome.code === null && outcome.signal === null);
  return { started, ok: outcome.code === 0, output: child.recentOutput() };
}

export interface CapturedRun {
  /** False when the executable could not be started at all (not on PATH). */
  readonly started: boolean;
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion with a bounded wait and returns all it printed, for parsing. */
export function capture(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv | undefined,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<CapturedRun> {
  return new Promise((resolve) => {
    execFile(command, [...args], { env: env ?? process.env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const notFound = (error as NodeJS.ErrnoException | null)?.code === "ENOENT";
      resolve({ started: !notFound, ok: error === null, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export const NATIVE_HINT = "or run the stack without Docker: vllm-monitor up --native (make demo picks it by itself)";

/** Throws a UserError unless `docker info` answers, i.e. a Docker engine is reachable. */
export async function requireDockerEngine(env?: NodeJS.ProcessEnv): Promise<void> {
  const info = await probe("docker", ["info", "--format", "{{.ServerVersion}}"], env);
  if (!info.started) {
    throw new UserError("Docker is not installed: no `docker` command on PATH.", [
      "install Docker Engine with the compose plugin: https://docs.docker.com/engine/install/",
      NATIVE_HINT,
    ]);
  }
  if (!info.ok) {
    const reason = info.output.find((line) => line.trim() !== "") ?? "docker info failed";
    throw new UserError("No Docker engine answers (`docker info` failed).", [
      `docker said: ${reason.trim()}`,
      "start the engine (e.g. `sudo systemctl start docker`) or check DOCKER_HOST and that your user may use the Docker socket",
      NATIVE_HINT,
    ]);
  }
}

/** Prefers `docker compose` (v2 plugin), falls back to `docker-compose` (v1). */
export async function detectComposeTool(env?: NodeJS.ProcessEnv): Promise<ComposeTool> {
  for (const tool of [COMPOSE_PLUGIN, COMPOSE_STANDALONE]) {
    const version = await probe(tool.command, [...tool.prefix, "version"], env);
    if (version.ok) return tool;
  }
  throw new UserError("Docker Compose is not installed: neither `docker compose` nor `docker-compose` answers.", [
    "install the compose plugin (Debian/Ubuntu: `sudo apt-get install docker-compose-plugin`) or docker-compose",
    NATIVE_HINT,
  ]);
}

/** The engine check, then the compose detection: what every compose command needs first. */
export async function requireCompose(env?: NodeJS.ProcessEnv): Promise<ComposeTool> {
  await requireDockerEngine(env);
  return detectComposeTool(env);
}

export interface RunOptions {
  readonly env: NodeJS.ProcessEnv;
  /** What the command does, for the failure message, e.g. "start the stack". */
  readonly purpose: string;
  /** Ctrl-C is how a follow ends (`logs --follow`): then it counts as success. */
  readonly stopsOnInterrupt?: boolean;
}

/**
 * Runs a compose command, forwarding its output line by line, until it exits. Ctrl-C or SIGTERM
 * stops it; that is a success only for commands that follow (`stopsOnInterrupt`).
 */
export async function runCompose(tool: ComposeTool, args: readonly string[], options: RunOptions): Promise<void> {
  const child = startProcess({
    name: tool.command,
    command: tool.command,
    args,
    env: options.env,
    onLine: (line, stream) => (stream === "stdout" ? print : printError)(`${line}\n`),
  });
  let interrupted = false;
  const interrupt = (): void => {
    interrupted = true;
    void child.stop();
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  try {
    const exit = await child.exited;
    if (interrupted && options.stopsOnInterrupt === true) return;
    if (interrupted) throw new UserError(`Interrupted: could not ${options.purpose}.`, ["run the command again"], 130);
    if (exit.code !== 0) {
      const shown = [tool.command, ...args].join(" ");
      throw new UserError(
        `Could not ${options.purpose}: \`${shown}\` exited with ${exit.code ?? exit.signal ?? "an error"}.`,
        ["its output is above; fix what it reports and run the command again"],
        1,
      );
    }
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}
