/** `vllm-monitor logs`: follow the compose stack's logs until Ctrl-C. */
import type { Command } from "commander";
import { composeContext, composeLogs, requireCompose } from "../../stack/compose.js";

interface LogsOptions {
  readonly envFile: string;
  readonly out: string;
  readonly follow: boolean;
  readonly composeFile?: string;
}

export function register(program: Command): void {
  program
    .command("logs")
    .description("follow the compose stack's logs (all services, or the ones named)")
    .argument("[services...]", "only these services, e.g. prometheus grafana")
    .option("--env-file <path>", "the .env file (accepted for symmetry with up; logs does not read it)", ".env")
    .option("--out <dir>", "the output folder the configs were rendered into", "build")
    .option("--no-follow", "print the recent lines and exit")
    .option("--compose-file <path>", "use another compose file than the package's docker-compose.yml")
    .action(async (services: string[], options: LogsOptions) => {
      const tool = await requireCompose();
      const context = composeContext(tool, { outDir: options.out, composeFile: options.composeFile }, true);
      await composeLogs(context, { follow: options.follow, services });
    });
}
