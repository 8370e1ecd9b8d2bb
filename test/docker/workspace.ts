/**
 * One compose project per test file against the real Docker engine: a working directory owned by
 * the test user with its own .env, a project name of its own (COMPOSE_PROJECT_NAME) so files run
 * side by side, the CLI run as that user, and helpers that look at the project's containers,
 * volumes and networks. `cleanup()` removes everything the project created, whatever happened.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { waitUntil } from "../../src/process/index.js";
import { COMPILED_CLI_VARIABLE } from "../../src/stack/native/self.js";
import { REPO_ROOT, runCommand, type CliRun } from "../stack/compose-fixture.js";
import { SIMULATOR_IMAGE, type TestUser } from "./engine.js";

const CLI_TIMEOUT_MS = 300_000;
const TSX_LOADER = fileURLToPath(import.meta.resolve("tsx"));
/** What the CLI needs from the checkout (a copy is made when the test user cannot read it). */
const CHECKOUT_ENTRIES = [
  "package.json",
  "src",
  "bin",
  "templates",
  "dashboards",
  "rules",
  "alertmanager",
  "docker-compose.yml",
  "Dockerfile",
  ".dockerignore",
  "node_modules",
  // why: the compiled CLI (VLLM_MONITOR_COMPILED_CLI), when the runner made one.
  "dist",
];

export interface ContainerState {
  readonly id: string;
  readonly service: string;
  readonly status: string;
  readonly exitCode: number;
  readonly health?: string;
}

export interface ComposeWorkspace {
  readonly dir: string;
  readonly project: string;
  readonly user: TestUser;
  writeEnv(variables: Readonly<Record<string, string>>): void;
  /** `vllm-monitor <args>` as the test user in the workspace, with the stand-in images. */
  cli(args: readonly string[], extraEnv?: Readonly<Record<string, string>>): Promise<CliRun>;
  containers(): Promise<ContainerState[]>;
  volumes(): Promise<string[]>;
  networks(): Promise<string[]>;
  /** GET each path of `baseUrl` from a container on the project's backend network. */
  fromBackend(baseUrl: string, paths: readonly string[]): Promise<{ path: string; status: number; body: string }[]>;
  waitHealthy(services: readonly string[], timeoutMs?: number): Promise<ContainerState[]>;
  cleanup(): Promise<void>;
}

export async function createComposeWorkspace(
  name: string,
  user: TestUser,
  images: Readonly<Record<string, string>>,
): Promise<ComposeWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), `vllm-monitor-docker-${name}-`));
  const project = `vmtest-${name}-${randomBytes(3).toString("hex")}`;
  chownSync(dir, user.uid, user.gid);
  const checkout = await checkoutFor(user, dir);
  const envFile = join(dir, ".env");

  const writeEnv = (variables: Readonly<Record<string, string>>): void => {
    writeFileSync(
      envFile,
      Object.entries(variables)
        .map(([key, value]) => `${key}=${value}\n`)
        .join(""),
      { mode: 0o600 },
    );
    chownSync(envFile, user.uid, user.gid);
  };

  const cli = async (args: readonly string[], extraEnv: Readonly<Record<string, string>> = {}): Promise<CliRun> => {
    // Only what a user's shell would have: the tests' own environment must not leak in.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      TMPDIR: tmpdir(),
      COMPOSE_PROJECT_NAME: project,
      ...images,
      ...extraEnv,
    };
    // why: the compiled CLI scripts/run-tests.mjs made, as the other tests' children run; else the source through tsx.
    const compiled = process.env[COMPILED_CLI_VARIABLE];
    const node =
      compiled === undefined || compiled === ""
        ? [process.execPath, "--import", join(checkout, relative(REPO_ROOT, TSX_LOADER)), join(checkout, "src", "cli", "main.ts"), ...args]
        : [process.execPath, join(checkout, relative(REPO_ROOT, compiled)), ...args];
    const command = user.viaSetpriv ? ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups", ...node] : node;
    return runBounded(command, { cwd: dir, env });
  };

  const labelled = (kind: "ps" | "volume" | "network"): string[] =>
    kind === "ps"
      ? ["ps", "--all", "--quiet", "--filter", `label=com.docker.compose.project=${project}`]
      : [kind, "ls", "--quiet", "--filter", `label=com.docker.compose.project=${project}`];
  const lines = async (args: readonly string[]): Promise<string[]> =>
    (await runCommand("docker", args)).stdout.split("\n").filter((line) => line.trim() !== "");

  const containers = async (): Promise<ContainerState[]> => {
    const ids = await lines(labelled("ps"));
    if (ids.length === 0) return [];
    const inspected = JSON.parse((await runCommand("docker", ["inspect", ...ids])).stdout) as {
      Id: string;
      Config: { Labels: Record<string, string> };
      State: { Status: string; ExitCode: number; Health?: { Status: string } };
    }[];
    return inspected.map((item) => ({
      id: item.Id,
      service: item.Config.Labels["com.docker.compose.service"] ?? "",
      status: item.State.Status,
      exitCode: item.State.ExitCode,
      ...(item.State.Health === undefined ? {} : { health: item.State.Health.Status }),
    }));
  };

  const fromBackend = async (baseUrl: string, paths: readonly string[]) => {
    const script = `let input = ""; process.stdin.on("data", (c) => (input += c)); process.stdin.on("end", async () => {
      const { base, paths } = JSON.parse(input); const out = [];
      for (const path of paths) { try { const r = await fetch(base + path, { signal: AbortSignal.timeout(10000) }); out.push({ path, status: r.status, body: await r.text() }); } catch (e) { out.push({ path, status: 0, body: String(e) }); } }
      process.stdout.write(JSON.stringify(out)); });`;
    const args = ["docker", "run", "--rm", "-i", "--network", `${project}_backend`, "--entrypoint", "node", SIMULATOR_IMAGE, "-e", script];
    const result = await runBounded(args, { input: JSON.stringify({ base: baseUrl, paths }) });
    if (result.code !== 0) throw new Error(`query from the backend network failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as { path: string; status: number; body: string }[];
  };

  const waitHealthy = async (services: readonly string[], timeoutMs = 180_000): Promise<ContainerState[]> => {
    let last: ContainerState[] = [];
    const ready = (state: ContainerState | undefined): boolean =>
      state !== undefined &&
      (state.service === "volume-init"
        ? state.status === "exited" && state.exitCode === 0
        : state.status === "running" && state.health === "healthy");
    await waitUntil(
      async () => {
        last = await containers();
        return services.every((service) => ready(last.find((state) => state.service === service)));
      },
      { what: `services ${services.join(", ")} to be healthy`, timeoutMs, intervalMs: 2_000 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last seen: ${JSON.stringify(last)}`);
    });
    return last;
  };

  const cleanup = async (): Promise<void> => {
    await cli(["down", "--volumes"]).catch(() => undefined);
    const ids = await lines(labelled("ps"));
    if (ids.length > 0) await runCommand("docker", ["rm", "--force", "--volumes", ...ids]);
    for (const kind of ["volume", "network"] as const) {
      const left = await lines(labelled(kind));
      if (left.length > 0) await runCommand("docker", [kind, "rm", ...left]);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  return {
    dir,
    project,
    user,
    writeEnv,
    cli,
    containers,
    volumes: () => lines(labelled("volume")),
    networks: () => lines(labelled("network")),
    fromBackend,
    waitHealthy,
    cleanup,
  };
}

/**
 * The checkout the test user runs: this one when it can read it, else a copy beside the
 * workspace (CI may clone into a folder only root can enter).
 */
async function checkoutFor(user: TestUser, dir: string): Promise<string> {
  if (!user.viaSetpriv) return REPO_ROOT;
  const readable = await runCommand("setpriv", [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups", "test", "-r", TSX_LOADER]);
  if (readable.code === 0) return REPO_ROOT;
  const copy = join(dir, "checkout");
  for (const entry of CHECKOUT_ENTRIES)
    if (existsSync(join(REPO_ROOT, entry))) cpSync(join(REPO_ROOT, entry), join(copy, entry), { recursive: true });
  await runCommand("chmod", ["-R", "a+rX", copy]);
  return copy;
}

/** Runs a command to completion (bounded), optionally feeding stdin. */
export async function runBounded(
  command: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  const [program = "", ...args] = command;
  const child = spawn(program, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.input ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? CLI_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => {
    child.on("error", () => resolve(null));
    child.on("close", resolve);
  });
  clearTimeout(timer);
  return { code, stdout, stderr };
}
