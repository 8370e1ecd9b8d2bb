/** `vllm-monitor status`: the native stack's processes and the health of every scrape target. */
import type { Command } from "commander";
import { nativeStatus } from "../../stack/native.js";
import { formatNativeStatus, isHealthy } from "../../stack/native/status.js";

interface StatusOptions {
  readonly out: string;
  readonly json: boolean;
}

export function register(program: Command): void {
  program
    .command("status")
    .description("show the native stack's processes (pid, ports, alive) and each scrape target's health; exit 1 unless all is up")
    .option("--out <dir>", "the output folder the stack was started with", "build")
    .option("--json", "print the status as JSON", false)
    .action(async (options: StatusOptions) => {
      const status = await nativeStatus({ outDir: options.out });
      process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatNativeStatus(status));
      process.exitCode = isHealthy(status) ? 0 : 1;
    });
}
