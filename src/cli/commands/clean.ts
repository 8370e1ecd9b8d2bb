/** `vllm-monitor clean`: delete the output folder (rendered configs, token file, compose.env). */
import { withStackLock } from "../../stack/lock.js";
import type { Command } from "commander";
import { cleanOutput } from "../../stack/configure.js";
import { outOption, unusedEnvFileOption } from "../options.js";
import { print } from "../../output.js";

export function register(program: Command): void {
  program
    .command("clean")
    .description("delete the output folder; refuses a folder vllm-monitor did not create, or one a running stack reads")
    .addOption(outOption())
    .addOption(unusedEnvFileOption())
    .action(async (options: { out: string }) => {
      const removed = await withStackLock(options.out, "clean", () => cleanOutput(options.out));
      print(removed ? `removed ${options.out}\n` : `nothing to clean: ${options.out} does not exist\n`);
    });
}
