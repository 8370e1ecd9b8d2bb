/** `vllm-monitor status`: the running stack's processes and the health of every scrape target. */
import type { Command } from "commander";
import { stackStatus } from "../../stack/lifecycle.js";
import { formatStatus, isHealthy } from "../../stack/status.js";
import { stackOutOption } from "../options.js";
import { print } from "../../output.js";

interface StatusFlags {
  readonly out?: string;
  readonly json: boolean;
}

export function register(program: Command): void {
  program
    .command("status")
    .description("show the running stack (found from any folder): processes, ports, and each scrape target's health; exit 1 unless all is up")
    .addOption(stackOutOption())
    .option("--json", "print the status as JSON", false)
    .action(async (flags: StatusFlags) => {
      const status = await stackStatus(flags.out);
      print(flags.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
      process.exitCode = isHealthy(status) ? 0 : 1;
    });
}
