/**
 * Runs the CLI in this process through `main()`: no child process, no tsx start-up. What it prints
 * is captured through `main`'s output (the test reporter's own writes are untouched); the working
 * folder and the environment are swapped for the call and put back afterwards, so calls must not
 * overlap (node's test runner runs a file's tests one after another).
 */
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import { COMPILED_CLI_VARIABLE } from "../../src/stack/native/self.js";

const CLI_MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const TSX_LOADER = import.meta.resolve("tsx");

/** The compiled CLI the test runner built for this run (scripts/run-tests.mjs), if any. */
const compiledCli = (): string | undefined => process.env[COMPILED_CLI_VARIABLE] || undefined;

/**
 * `vllm-monitor <args>` as a child process: the compiled CLI the runner built from this source, or
 * the source itself through tsx when there is none (a test file run on its own).
 */
export function cliCommand(args: readonly string[]): { command: string; args: string[] } {
  const compiled = compiledCli();
  if (compiled !== undefined) return { command: process.execPath, args: ["--", compiled, ...args] };
  return { command: process.execPath, args: ["--import", TSX_LOADER, CLI_MAIN, ...args] };
}

/** The runner's compiled CLI, for an environment that keeps nothing else of the test's. */
export function compiledCliEnv(): Record<string, string> {
  const compiled = compiledCli();
  return compiled === undefined ? {} : { [COMPILED_CLI_VARIABLE]: compiled };
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr, interleaved as written. */
  readonly output: string;
}

export interface CliRunOptions {
  /** Working folder of the call (default: unchanged). */
  readonly cwd?: string;
  /** Variables added to a clean environment: PATH, HOME, TMPDIR, the runner's compiled CLI and these; nothing else of the test's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliRun> {
  const savedEnv = process.env;
  const savedCwd = process.cwd();
  let stdout = "";
  let stderr = "";
  let output = "";
  process.env = { PATH: savedEnv.PATH, HOME: savedEnv.HOME, TMPDIR: savedEnv.TMPDIR, ...compiledCliEnv(), ...options.env };
  if (options.cwd !== undefined) process.chdir(options.cwd);
  try {
    const code = await main(["node", "vllm-monitor", ...args], {
      stdout: (text) => {
        stdout += text;
        output += text;
      },
      stderr: (text) => {
        stderr += text;
        output += text;
      },
    });
    return { code, stdout, stderr, output };
  } finally {
    process.chdir(savedCwd);
    process.env = savedEnv;
  }
}
