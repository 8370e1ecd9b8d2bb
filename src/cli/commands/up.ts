/** `vllm-monitor up`: render the configs, then start the compose stack (or the native one). */
import { Option, type Command } from "commander";
import { service } from "../../config/services.js";
import { startStack } from "../../stack/lifecycle.js";
import { findOnPath } from "../../stack/native/binaries.js";
import { envFileOption, outOption, settingsFrom } from "../options.js";

interface UpFlags {
  readonly envFile?: string;
  readonly out: string;
  readonly native: boolean;
  readonly detach: boolean;
  readonly detachedChild: boolean;
  readonly build: boolean;
  readonly logs: boolean;
  readonly composeFile?: string;
}

export function register(program: Command): void {
  program
    .command("up")
    .description("render the configs into --out and start the stack (docker compose by default)")
    .argument("[services...]", "compose only: start just these services and what they depend on, e.g. prometheus node-exporter")
    .addOption(envFileOption())
    .addOption(outOption())
    .option("--native", "run Prometheus, exporters and the simulator as plain processes, without Docker", false)
    .option(
      "--detach",
      "with --native: run in the background (log in the stack's data folder, printed) and return once every process is ready",
      false,
    )
    .addOption(new Option("--detached-child", "internal: the background supervisor --detach starts").default(false).hideHelp())
    .option("--build", "rebuild our own image (the simulator) before starting", false)
    .option("--logs", "follow the stack's logs after starting (Ctrl-C stops following, not the stack)", false)
    .option("--compose-file <path>", "use another compose file than the package's docker-compose.yml")
    .action(async (services: string[], flags: UpFlags) => {
      // why: compose always runs Grafana (an agent excepted); native mode when Grafana is installed (on PATH; GRAFANA_BIN/HOME are checked later).
      const native = flags.native || flags.detachedChild;
      const onlyOthers = services.length > 0 && !services.includes("grafana");
      const grafanaInstalled = findOnPath(service("grafana").native?.programs ?? [], process.env.PATH ?? "") !== undefined;
      await startStack(settingsFrom(flags, { requireGrafanaAdmin: native ? grafanaInstalled : !onlyOthers }), {
        services,
        outDir: flags.out,
        native,
        detach: flags.detach,
        detachedChild: flags.detachedChild,
        build: flags.build,
        logs: flags.logs,
        composeFile: flags.composeFile,
      });
    });
}
