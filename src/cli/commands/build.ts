/** `vllm-monitor build`: build our own image (the simulator) with docker compose. */
import type { Command } from "commander";
import { composeBuild, composeContext, requireCompose } from "../../stack/compose/run.js";
import { outOption, unusedEnvFileOption } from "../options.js";

interface BuildOptions {
  readonly out: string;
  readonly composeFile?: string;
}

export function register(program: Command): void {
  program
    .command("build")
    .description("build the vllm-monitor image used by the compose stack (no .env, build/ or secret enters it)")
    .addOption(unusedEnvFileOption())
    .addOption(outOption())
    .option("--compose-file <path>", "use another compose file than the package's docker-compose.yml")
    .action(async (options: BuildOptions) => {
      const tool = await requireCompose();
      await composeBuild(composeContext(tool, { outDir: options.out, composeFile: options.composeFile }, false));
    });
}
