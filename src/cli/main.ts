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

/** Runs the CLI and returns the process exit code instead of exiting, so tests can call it. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
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
