/**
 * Runs the CLI in this process through `main()`: no child process, no tsx start-up. What it prints
 * is captured through `main`'s output (the test reporter's own writes are untouched); the working
 * folder and the environment are swapped for the call and put back afterwards, so calls must not
 * overlap (node's test runner runs a file's tests one after another).
 */
import { main } from "../../src/cli/main.js";

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
  /** Variables added to a clean environment: PATH, HOME, TMPDIR and these; nothing else of the test's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliRun> {
  const savedEnv = process.env;
  const savedCwd = process.cwd();
  let stdout = "";
  let stderr = "";
  let output = "";
  process.env = { PATH: savedEnv.PATH, HOME: savedEnv.HOME, TMPDIR: savedEnv.TMPDIR, ...options.env };
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
