/** `vllm-monitor down`: stop the stack, then delete the rendered configs (they may hold secrets). */
import type { Command } from "commander";
import { composeContext, composeDown, requireCompose } from "../../stack/compose.js";
import { isNativeStackRecorded, stopNativeStack } from "../../stack/native.js";
import { removeOutputTree } from "../../render/writer.js";

interface DownOptions {
  readonly envFile: string;
  readonly out: string;
  readonly native: boolean;
  readonly volumes: boolean;
  readonly keepConfig: boolean;
  readonly composeFile?: string;
}

export function register(program: Command): void {
  program
    .command("down")
    .description("stop the stack and delete the rendered configs in --out (named volumes are kept)")
    .option("--env-file <path>", "the .env file (accepted for symmetry with up; down does not read it)", ".env")
    .option("--out <dir>", "the output folder for rendered configs", "build")
    .option("--native", "stop the native stack instead of the compose one", false)
    .option("--volumes", "also delete the named volumes: Prometheus's TSDB and Grafana's data", false)
    .option("--keep-config", "leave the rendered configs in --out", false)
    .option("--compose-file <path>", "use another compose file than the package's docker-compose.yml")
    .action(async (options: DownOptions) => {
      // A recorded native stack is stopped even without --native: `down` undoes whichever `up` ran.
      if (options.native || isNativeStackRecorded()) {
        await stopNativeStack({ envFile: options.envFile, outDir: options.out });
      } else {
        const tool = await requireCompose();
        await composeDown(composeContext(tool, { outDir: options.out, composeFile: options.composeFile }, false), {
          volumes: options.volumes,
        });
      }
      if (!options.keepConfig && (await removeOutputTree(options.out))) process.stdout.write(`removed ${options.out}\n`);
    });
}
