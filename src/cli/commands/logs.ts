/** `vllm-monitor logs`: follow the running stack's logs until Ctrl-C (native log or compose services). */
import type { Command } from "commander";
import { showLogs } from "../../stack/lifecycle.js";
import { stackNameOption, stackOutOption, unusedEnvFileOption } from "../options.js";

interface LogsFlags {
  readonly out?: string;
  readonly stack?: string;
  readonly follow: boolean;
  readonly composeFile?: string;
}

export function register(program: Command): void {
  program
    .command("logs")
    .description("follow the running stack's logs: the native stack's processes, or the compose services (all, or the ones named)")
    .argument("[services...]", "only these, e.g. prometheus simulator")
    .addOption(stackOutOption())
    .addOption(stackNameOption())
    .addOption(unusedEnvFileOption())
    .option("--no-follow", "print the recent lines and exit")
    .option("--compose-file <path>", "use another compose file than the package's docker-compose.yml")
    .action(async (services: string[], flags: LogsFlags) => {
      await showLogs({ outDir: flags.out, stack: flags.stack, follow: flags.follow, services, composeFile: flags.composeFile });
    });
}
