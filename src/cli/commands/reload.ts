/** `vllm-monitor reload`: apply a .env change to the running stack without a restart or lost data. */
import type { Command } from "commander";
import { reloadStack } from "../../stack/lifecycle.js";
import { stackNameOption, stackOutOption } from "../options.js";
import { print, printError } from "../../output.js";

interface ReloadFlags {
  readonly out?: string;
  readonly stack?: string;
  readonly envFile?: string;
  readonly composeFile?: string;
}

export function register(program: Command): void {
  program
    .command("reload")
    .description(
      "re-read the running stack's .env, re-render its configs for its mode and make Prometheus reload them (no restart, no lost samples)",
    )
    .addOption(stackOutOption())
    .addOption(stackNameOption())
    .option("--env-file <path>", "read this .env instead of the one the stack was started with")
    .option("--compose-file <path>", "use another compose file than the package's docker-compose.yml")
    .action(async (flags: ReloadFlags) => {
      const { needRestart } = await reloadStack({
        outDir: flags.out,
        stack: flags.stack,
        envFile: flags.envFile,
        composeFile: flags.composeFile,
      });
      print("vllm-monitor: configuration re-rendered and Prometheus reloaded it\n");
      for (const change of needRestart) printError(`note: ${change} (vllm-monitor down, then up again)\n`);
    });
}
