import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { isUserError } from "../errors.js";
import { registerCommands } from "./commands/index.js";
import { print, printError, withOutput, type Output } from "../output.js";

/** The package's version, from package.json (two levels up from both src/cli and dist/cli). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return manifest.version ?? "unknown";
}

/** Builds the program; each command lives in its own module under ./commands. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name("vllm-monitor")
    .description("Prometheus + Grafana monitoring for vLLM: config rendering, stack control, simulator, diagnostics")
    .version(packageVersion(), "-V, --version", "print the version")
    .showHelpAfterError()
    .configureOutput({ writeOut: print, writeErr: printError })
    .exitOverride();
  registerCommands(program);
  return program;
}

/**
 * `--env PATH` is an alias of `--env-file PATH`. why: Node 20 reads `--env-file` anywhere in its own
 * argv, so `npx vllm-monitor … --env-file x` dies in npx's node before we run (exit 9).
 */
export function expandEnvAlias(argv: readonly string[]): string[] {
  return argv.map((arg) => (arg === "--env" ? "--env-file" : arg.startsWith("--env=") ? `--env-file=${arg.slice("--env=".length)}` : arg));
}

/**
 * Runs the CLI and returns the process exit code instead of exiting, so tests can call it in
 * process: a command's `process.exitCode` is read and put back as it was, and what it prints can
 * go to `output` instead of the process's streams.
 */
export async function main(argv: readonly string[], output?: Output): Promise<number> {
  return output === undefined ? run(argv) : withOutput(output, () => run(argv));
}

async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const outer = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(expandEnvAlias(argv));
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message; usage errors are user errors.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isUserError(error)) {
      printError(`vllm-monitor: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  } finally {
    process.exitCode = outer;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (invokedDirectly) {
  process.exitCode = await main(process.argv);
}
