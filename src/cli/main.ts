import { Command, CommanderError } from "commander";
import { isUserError } from "../errors.js";
import { registerCommands } from "./commands/index.js";

/** Builds the program; each command lives in its own module under ./commands. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name("vllm-monitor")
    .description("Prometheus + Grafana monitoring for vLLM: config rendering, stack control, simulator, diagnostics")
    .showHelpAfterError()
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

/** Runs the CLI and returns the process exit code instead of exiting, so tests can call it. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(expandEnvAlias(argv));
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message; usage errors are user errors.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isUserError(error)) {
      process.stderr.write(`vllm-monitor: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (invokedDirectly) {
  process.exitCode = await main(process.argv);
}
