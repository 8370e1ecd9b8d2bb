/** `vllm-monitor conf prometheus|grafana|all`: render the configuration into the output folder. */
import { Command, Option } from "commander";
import { relative } from "node:path";
import { DEFAULT_OUT_DIR, type StackMode } from "../../render/layout.js";
import type { StackPart } from "../../render/stack.js";
import { writeStackConfigFromEnv } from "../../render/writeStack.js";

interface ConfOptions {
  readonly envFile: string;
  readonly out: string;
  readonly mode: StackMode;
}

const PARTS: readonly { part: StackPart; description: string }[] = [
  { part: "prometheus", description: "write prometheus/ (prometheus.yml, targets, token file, rules) and compose.env" },
  { part: "grafana", description: "write grafana/ (datasource, dashboard provider, dashboards) and compose.env; needs ADMIN_PASSWORD" },
  { part: "all", description: "write both Prometheus's and Grafana's files" },
];

export function register(program: Command): void {
  const conf = program.command("conf").description("render configuration files from .env into the output folder (no secret is printed)");
  for (const { part, description } of PARTS) {
    conf
      .command(part)
      .description(description)
      .option("--env-file <path>", "the .env file to read", ".env")
      .option("--out <dir>", "the output folder (created 0700; files 0600)", DEFAULT_OUT_DIR)
      .addOption(new Option("--mode <mode>", "addresses and paths for docker compose or for native processes").choices(["compose", "native"]).default("compose"))
      .action(async (options: ConfOptions) => {
        const { config, result } = await writeStackConfigFromEnv({ envFile: options.envFile, outDir: options.out, mode: options.mode, part });
        for (const note of config.notes) process.stderr.write(`note: ${note}\n`);
        for (const path of result.written) process.stdout.write(`wrote ${shown(path)}\n`);
        for (const path of result.removed) process.stdout.write(`removed stale ${shown(path)}\n`);
      });
  }
}

function shown(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith("..") ? path : fromHere;
}
