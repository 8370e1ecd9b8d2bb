/** `vllm-monitor doctor`: check every configured vLLM target and say what is wrong and how to fix it. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { formatReport, runDoctor } from "../../doctor/index.js";
import { loadForDoctor, planDoctor, type RunningStack } from "../../doctor/inputs.js";
import { buildMixin, mixinConfig } from "../../mixin/index.js";
import { stackForDoctor, stackSettings } from "../../stack/lifecycle.js";
import { stackName, type StackState } from "../../stack/registry.js";
import { LISTEN_HOST } from "../../render/endpoints.js";
import { EXPORTER_KINDS } from "../../config/exporter-targets.js";
import { portVariable, SERVICES } from "../../config/services.js";
import { envFileOption, settingsFrom, stackNameOption } from "../options.js";
import { print } from "../../output.js";

interface DoctorFlags {
  readonly envFile?: string;
  readonly stack?: string;
  readonly target?: string[];
  readonly timeout: string;
  readonly prometheusUrl?: string;
  readonly json: boolean;
}

export function register(program: Command): void {
  program
    .command("doctor")
    .description(
      "check each vLLM target (DNS, TCP, TLS, HTTP, token, metrics, dashboard panels) and the remote-write endpoint, and say how to fix what is wrong",
    )
    .addOption(envFileOption())
    .addOption(stackNameOption())
    .option("--target <url>", "check this target instead of the .env ones (repeatable), e.g. https://vllm-host:8000/metrics", collect)
    .option("--timeout <ms>", "how long each network step may take", "5000")
    .option(
      "--prometheus-url <url>",
      "Prometheus to ask for scrape health (default: the running stack's, else http://127.0.0.1:$PROMETHEUS_PORT)",
    )
    .option("--json", "print the report as JSON", false)
    .action(async (flags: DoctorFlags) => {
      // why: run from any folder, doctor checks the running stack with the .env it was started with, not a demo of this folder.
      const explicitInputs = flags.envFile !== undefined || (flags.target ?? []).length > 0 || flags.prometheusUrl !== undefined;
      const stack = stackForDoctor(flags.stack, explicitInputs);
      const settings = loadForDoctor(flags, () =>
        stack === undefined || flags.envFile !== undefined ? settingsFrom(flags) : stackSettings(stack),
      );
      const pem = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file, "utf8"));
      const plan = planDoctor(
        settings,
        flags,
        runningStackSummary(stack),
        pem(settings.env.VLLM_TLS_CA_FILE),
        pem(settings.env.REMOTE_WRITE_CA_FILE),
      );
      if (stack !== undefined && !flags.json)
        print(`checking the ${stack.kind} stack ${stackName(stack)} (started in ${stack.workDir} with ${stack.envFile})\n\n`);
      const mixin = buildMixin(mixinConfig(settings));
      const report = await runDoctor({
        targets: plan.targets,
        exporters: plan.exporters,
        settings: plan.settings,
        dashboards: mixin.recordedDashboards,
        rules: mixin.ruleFiles,
      });
      if (!flags.json) for (const note of plan.notes) print(`${note}\n\n`);
      print(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      process.exitCode = report.ok ? 0 : 1;
    });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** What doctor needs of a stack: its kind, Prometheus, the simulator, and the exporters it runs itself (by the service table). */
function runningStackSummary(stack: StackState | undefined): RunningStack | undefined {
  if (stack === undefined) return undefined;
  if (stack.kind === "compose") return { kind: "compose" };
  const simulator = stack.processes.find((child) => child.name === "simulator")?.ports[0]?.port;
  const scrapedAs = (process: string, variable: string | undefined) =>
    SERVICES.find((row) => row.native?.process === process && variable !== undefined && portVariable(row.name) === variable)?.scrapedAs;
  const exporterAddresses = Object.fromEntries(
    EXPORTER_KINDS.map((kind) => [
      kind,
      stack.processes.flatMap((child) =>
        child.ports.filter((use) => scrapedAs(child.name, use.variable) === kind).map((use) => `${LISTEN_HOST}:${use.port}`),
      ),
    ]),
  );
  return {
    kind: "native",
    prometheusUrl: stack.prometheusUrl,
    ...(simulator === undefined ? {} : { simulatorAddress: `${LISTEN_HOST}:${simulator}` }),
    exporterAddresses,
  };
}
