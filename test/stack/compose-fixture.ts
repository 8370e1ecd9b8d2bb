/**
 * Files the compose tests need: a rendered-like output folder with build/compose.env, the
 * repository's compose file parsed with `yaml`, and a runner for the CLI as a real process.
 */
import { spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { OUTPUT_MARKER } from "../../src/render/layout.js";
import { runCli as runCliInProcess } from "../helpers/cli.js";
import { loadSettings } from "../../src/config/load.js";
import { configureStack } from "../../src/stack/configure.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const COMPOSE_FILE = join(REPO_ROOT, "docker-compose.yml");

export interface ComposeService {
  readonly image?: string;
  readonly build?: unknown;
  readonly user?: string;
  readonly restart?: string;
  readonly profiles?: string[];
  readonly ports?: string[];
  readonly command?: string[] | string;
  readonly environment?: Record<string, string>;
  readonly volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  readonly healthcheck?: { test: string[] };
  readonly depends_on?: Record<string, { condition: string }>;
  readonly networks?: string[];
  readonly pid?: string;
  readonly cap_add?: string[];
  readonly deploy?: { resources?: { reservations?: { devices?: { driver?: string; capabilities?: string[] }[] } } };
  readonly network_mode?: string;
}

export interface ComposeFile {
  readonly services: Record<string, ComposeService>;
  readonly volumes: Record<string, unknown>;
  readonly networks: Record<string, { internal?: boolean } | null>;
}

export async function readComposeFile(): Promise<ComposeFile> {
  return parse(await readFile(COMPOSE_FILE, "utf8")) as ComposeFile;
}

/** The variables `conf all --mode compose` writes to compose.env (the documented contract). */
export function sampleComposeEnv(overrides: Record<string, string | undefined> = {}): string {
  const values: Record<string, string | undefined> = {
    GF_SECURITY_ADMIN_USER: "admin",
    // A password with characters compose could misread: `$`, quotes, `#`.
    GF_SECURITY_ADMIN_PASSWORD: `'pa$$w"ord #1'`,
    GRAFANA_PORT: "3001",
    COMPOSE_PROFILES: "demo",
    HOST_UID: "1000",
    HOST_GID: "1000",
    ...overrides,
  };
  return Object.entries(values)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${value}\n`)
    .join("");
}

/** A temp output folder shaped like the renderer's (files 0600, dirs 0700) with compose.env. */
export async function makeOutputFolder(composeEnv = sampleComposeEnv()): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "vllm-monitor-compose-"));
  const out = join(root, "build");
  for (const dir of [
    "prometheus/secrets",
    "prometheus/targets",
    "prometheus/rules",
    "grafana/provisioning/datasources",
    "grafana/provisioning/dashboards",
    "grafana/dashboards",
  ]) {
    await mkdir(join(out, dir), { recursive: true, mode: 0o700 });
  }
  const files: Record<string, string> = {
    [OUTPUT_MARKER]: "",
    "compose.env": composeEnv,
    "prometheus/prometheus.yml": "global: {scrape_interval: 5s}\n",
    "prometheus/secrets/vllm_token": "sample-token-not-a-secret\n",
    "grafana/provisioning/datasources/prometheus.yml": "apiVersion: 1\n",
  };
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(out, name), text, { mode: 0o600 });
    await chmod(join(out, name), 0o600);
  }
  return out;
}

/**
 * A real output folder: `.env` text written to a temp dir, rendered by the renderer exactly as
 * `vllm-monitor up` does (compose mode, every part). Returns the output folder.
 */
export async function renderOutputFolder(envText: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "vllm-monitor-rendered-"));
  const envFile = join(root, ".env");
  await writeFile(envFile, envText, { mode: 0o600 });
  const out = join(root, "build");
  await configureStack(loadSettings({ envFile, environment: {} }), { outDir: out, mode: "compose", part: "all" });
  return out;
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `vllm-monitor <args>` in this process with `env` as its whole environment. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd = REPO_ROOT): Promise<CliRun> {
  const { code, stdout, stderr } = await runCliInProcess(args, { cwd, env });
  return { code, stdout, stderr };
}

/** Runs a command to completion and returns its exit code and output. */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliRun> {
  const child = spawn(command, [...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolvePromise) => {
    child.on("error", () => resolvePromise(null));
    child.on("close", resolvePromise);
  });
  return { code, stdout, stderr };
}
