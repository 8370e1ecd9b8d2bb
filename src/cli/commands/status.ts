/** `vllm-monitor status`: the running stack's processes and the health of every scrape target. */
import type { Command } from "commander";
import { stackStatus } from "../../stack/lifecycle.js";
import { formatStatus, isHealthy } from "../../stack/status.js";
import { stackNameOption, stackOutOption } from "../options.js";
import { print } from "../../output.js";

interface StatusFlags {
  readonly out?: string;
  readonly stack?: string;
  readonly json: boolean;
}

export function register(program: Command): void {
  program
    .command("status")
    .description(
      "show the running stacks (found from any folder): processes, ports, and each scrape target's health; exit 1 unless all is up",
    )
    .addOption(stackOutOption())
    .addOption(stackNameOption())
    .option("--json", "print the status as JSON (an array when several stacks run)", false)
    .action(async (flags: StatusFlags) => {
      const statuses = await stackStatus({ outDir: flags.out, stack: flags.stack });
      const json = statuses.length === 1 ? statuses[0] : statuses;
      print(flags.json ? `${JSON.stringify(json, null, 2)}\n` : statuses.map(formatStatus).join("\n"));
      process.exitCode = statuses.every(isHealthy) ? 0 : 1;
    });
}
