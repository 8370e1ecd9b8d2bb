/** `vllm-monitor up`: render the configs, then start the compose stack (or the native one). */
import type { Command } from "commander";
import { composeContext, composeLogs, composeUp, requireCompose } from "../../stack/compose.js";
import { startNativeStack } from "../../stack/native.js";
import { writeStackConfigFromEnv } from "../../render/writeStack.js";

interface UpOptions {
  readonly envFile: string;
  readonly out: string;
  readonly native: boolean;
  readonly detach: boolean;
  readonly build: boolean;
  readonly logs: boolean;
  readonly composeFile?: string;
}

export function register(program: Command): void {
  program
    .command("up")
    .description("render the configs into --out and start the stack (docker compose by default)")
    .option("--env-file <path>", "the .env file to read", ".env")
    .option("--out <dir>", "the output folder for rendered configs", "build")
    .option("--native", "run Prometheus, exporters and the simulator as plain processes, without Docker", false)
    .option("--detach", "with --native: run in the background (log in .vllm-monitor/native.log) and return once Prometheus is ready", false)
    .option("--build", "rebuild our own image (the simulator) before starting", false)
    .option("--logs", "follow the stack's logs after starting (Ctrl-C stops following, not the stack)", false)
    .option("--compose-file <path>", "use another compose file than the package's docker-compose.yml")
    .action(async (options: UpOptions) => {
      if (options.native) {
        await startNativeStack({ envFile: options.envFile, outDir: options.out, detach: options.detach });
        return;
      }
      // Docker first: without an engine, rendering secrets into --out would be wasted work.
      const tool = await requireCompose();
      const { config } = await writeStackConfigFromEnv({ envFile: options.envFile, outDir: options.out, mode: "compose", part: "all" });
      for (const note of config.notes) process.stderr.write(`note: ${note}\n`);
      const context = composeContext(tool, { outDir: options.out, composeFile: options.composeFile }, true);
      await composeUp(context, { build: options.build });
      const watched = config.demo ? "the built-in simulator" : "VLLM_TARGET";
      process.stdout.write(`vllm-monitor: the stack is starting, watching ${watched}; Grafana: http://127.0.0.1:${config.grafanaPort}/ (stop with: vllm-monitor down)\n`);
      if (options.logs) await composeLogs(context, { follow: true });
    });
}
