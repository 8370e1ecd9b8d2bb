/** `vllm-monitor down`: stop the running stack, then delete the rendered configs (they may hold secrets). */
import type { Command } from "commander";
import { stopStack } from "../../stack/lifecycle.js";
import { stackNameOption, stackOutOption, unusedEnvFileOption } from "../options.js";

interface DownFlags {
  readonly out?: string;
  readonly stack?: string;
  readonly volumes: boolean;
  readonly keepConfig: boolean;
  readonly composeFile?: string;
}

export function register(program: Command): void {
  program
    .command("down")
    .description("stop the running stack (native or compose, found from any folder) and delete its rendered configs; data is kept")
    .addOption(stackOutOption())
    .addOption(stackNameOption())
    .addOption(unusedEnvFileOption())
    .option("--native", "accepted for older scripts; down stops whichever stack runs", false)
    .option("--volumes", "compose: also delete the named volumes (Prometheus's TSDB and Grafana's data)", false)
    .option("--keep-config", "compose: leave the rendered configs in the output folder", false)
    .option("--compose-file <path>", "use another compose file than the package's docker-compose.yml")
    .action(async (flags: DownFlags) => {
      await stopStack({
        outDir: flags.out,
        stack: flags.stack,
        volumes: flags.volumes,
        keepConfig: flags.keepConfig,
        composeFile: flags.composeFile,
      });
    });
}
