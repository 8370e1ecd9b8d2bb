/** `vllm-monitor up`: render the configs, then start the compose stack (or the native one). */
import type { Command } from "commander";
import { composeContext, composeLogs, composeUp, requireCompose } from "../../stack/compose.js";
import { startNativeStack } from "../../stack/native.js";
import { writeStackConfigFromEnv } from "../../render/writeStack.js";
import { UserError } from "../../errors.js";

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
    .argument("[services...]", "compose only: start just these services and what they depend on, e.g. prometheus node-exporter")
    .option("--env-file <path>", "the .env file to read", ".env")
    .option("--out <dir>", "the output folder for rendered configs", "build")
    .option("--native", "run Prometheus, exporters and the simulator as plain processes, without Docker", false)
    .option("--detach", "with --native: run in the background (log in .vllm-monitor/native.log) and return once Prometheus is ready", false)
    .option("--build", "rebuild our own image (the simulator) before starting", false)
    .option("--logs", "follow the stack's logs after starting (Ctrl-C stops following, not the stack)", false)
    .option("--compose-file <path>", "use another compose file than the package's docker-compose.yml")
    .action(async (services: string[], options: UpOptions) => {
      if (options.native && services.length > 0) {
        throw new UserError(`up --native starts the whole native stack; it takes no service names (got ${services.join(" ")}).`, [
          "drop the service names, or leave out --native to start only those compose services",
        ]);
      }
      if (options.native) {
        await startNativeStack({ envFile: options.envFile, outDir: options.out, detach: options.detach });
        return;
      }
      // Docker first: without an engine, rendering secrets into --out would be wasted work.
      const tool = await requireCompose();
      const { config } = await writeStackConfigFromEnv({ envFile: options.envFile, outDir: options.out, mode: "compose", part: "all" });
      for (const note of config.notes) process.stderr.write(`note: ${note}\n`);
      const context = composeContext(tool, { outDir: options.out, composeFile: options.composeFile }, true);
      await composeUp(context, { build: options.build, services });
      const watched = config.demo ? "the built-in simulator" : "VLLM_TARGET";
      const starting = services.length === 0 ? "the stack is starting" : `${services.join(", ")} (and what they depend on) are starting`;
      const grafana = services.length === 0 || services.includes("grafana") ? `; Grafana: http://127.0.0.1:${config.grafanaPort}/` : "";
      process.stdout.write(`vllm-monitor: ${starting}, watching ${watched}${grafana} (stop with: vllm-monitor down)\n`);
      if (options.logs) await composeLogs(context, { follow: true });
    });
}
