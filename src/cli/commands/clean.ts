/** `vllm-monitor clean`: delete the output folder (rendered configs, token file, compose.env). */
import type { Command } from "commander";
import { DEFAULT_OUT_DIR } from "../../render/layout.js";
import { removeOutputTree } from "../../render/writer.js";

export function register(program: Command): void {
  program
    .command("clean")
    .description("delete the output folder; refuses a folder vllm-monitor did not create")
    .option("--out <dir>", "the output folder", DEFAULT_OUT_DIR)
    .option("--env-file <path>", "accepted so every command takes the same options; not read", ".env")
    .action(async (options: { out: string }) => {
      const removed = await removeOutputTree(options.out);
      process.stdout.write(removed ? `removed ${options.out}\n` : `nothing to clean: ${options.out} does not exist\n`);
    });
}
