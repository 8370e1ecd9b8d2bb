/** `vllm-monitor conf prometheus|grafana|all|kubernetes`: render the configuration into the output folder. */
import { Command, Option } from "commander";
import { relative } from "node:path";
import type { StackMode } from "../../render/layout.js";
import type { StackPart } from "../../render/stack.js";
import { configureStack } from "../../stack/configure.js";
import { withStackLock } from "../../stack/lock.js";
import { envFileOption, outOption, settingsFrom } from "../options.js";
import { registerKubernetes } from "./conf-kubernetes.js";
import { print, printError } from "../../output.js";

interface ConfOptions {
  readonly envFile?: string;
  readonly out: string;
  readonly mode: StackMode;
}

const PARTS: readonly { part: StackPart; description: string }[] = [
  { part: "prometheus", description: "write prometheus/ (prometheus.yml, targets, token file, rules) and compose.env" },
  {
    part: "grafana",
    description: "write grafana/ (datasource, dashboard provider, dashboards) and compose.env; needs ADMIN_PASSWORD unless in demo mode",
  },
  { part: "all", description: "write both Prometheus's and Grafana's files" },
  {
    part: "rules",
    description:
      "write only prometheus/rules/*.yml (your SLOs, ALERT_FOR_SCALE, RUNBOOK_BASE_URL), for a central ruler: vmalert, or a Prometheus/Mimir ruler",
  },
];

export function register(program: Command): void {
  const conf = program.command("conf").description("render configuration files from .env into the output folder (no secret is printed)");
  for (const { part, description } of PARTS) {
    conf
      .command(part)
      .description(description)
      .addOption(envFileOption())
      .addOption(outOption())
      .addOption(
        new Option("--mode <mode>", "addresses and paths for docker compose or for native processes")
          .choices(["compose", "native"])
          .default("compose"),
      )
      .action(async (options: ConfOptions) => {
        const settings = settingsFrom(options, { requireGrafanaAdmin: part === "grafana" || part === "all" });
        const { result, notes } = await withStackLock(options.out, `conf ${part}`, () =>
          configureStack(settings, { outDir: options.out, mode: options.mode, part }),
        );
        for (const note of notes) printError(`note: ${note}\n`);
        for (const path of result.written) print(`wrote ${shown(path)}\n`);
        for (const path of result.removed) print(`removed stale ${shown(path)}\n`);
      });
  }
  registerKubernetes(conf);
}

function shown(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith("..") ? path : fromHere;
}
