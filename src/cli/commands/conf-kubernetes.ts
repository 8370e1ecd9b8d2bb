/** `vllm-monitor conf kubernetes`: render a kustomization for the Prometheus Operator from .env and the choices below. */
import { Command, Option } from "commander";
import { relative } from "node:path";
import {
  DEFAULT_GPU_OPERATOR_NAMESPACE,
  DEFAULT_NAMESPACE,
  DEFAULT_RELEASE_LABEL,
  PRESET_NAMES,
  presets,
} from "../../kubernetes/options.js";
import type { KubernetesChoices } from "../../kubernetes/settings.js";
import { print, printError } from "../../output.js";
import { envFileOption, outOption, settingsFrom } from "../options.js";

/** Commander's options: the Kubernetes choices, with `--out` for their folder and the .env to read. */
type ConfKubernetesOptions = Omit<KubernetesChoices, "outDir"> & { readonly envFile?: string; readonly out: string };

export function registerKubernetes(conf: Command): void {
  const presetHelp = PRESET_NAMES.map((name) => `${name}: ${presets()[name].description}`).join("; ");
  conf
    .command("kubernetes")
    .description(
      "write <out>/kubernetes: a kustomization (PodMonitor or ServiceMonitor, PrometheusRule, dashboard ConfigMaps) for a Prometheus Operator such as kube-prometheus-stack, with the thresholds, runbook URL, metrics path and token of .env; apply it with kubectl apply -k",
    )
    .addOption(envFileOption())
    .addOption(outOption())
    .addOption(
      new Option("--namespace <name>", "namespace of the monitors, rule and dashboards (and of the token Secret)").default(
        DEFAULT_NAMESPACE,
      ),
    )
    .addOption(
      new Option(
        "--release <name>",
        "value of the release label kube-prometheus-stack selects monitors and rules by (its Helm release name)",
      ).default(DEFAULT_RELEASE_LABEL),
    )
    .addOption(new Option("--no-release", "no release label (a Prometheus that selects every monitor and rule)"))
    .addOption(new Option("--preset <name>", `which vLLM pods to scrape: ${presetHelp}`).choices(PRESET_NAMES).default("plain"))
    .addOption(new Option("--selector <labels>", "label selector key=value,… of the vLLM pods (or Services), instead of the preset's"))
    .addOption(new Option("--port <name>", "name of the container (or Service) port serving /metrics, instead of the preset's"))
    .addOption(new Option("--vllm-namespaces <names>", "comma-separated namespaces of the vLLM pods (default: every namespace)"))
    .addOption(
      new Option("--monitor <kind>", "scrape the pods directly (PodMonitor) or through their Services (ServiceMonitor)")
        .choices(["pod", "service"])
        .default("pod"),
    )
    .addOption(
      new Option(
        "--token-secret <name>",
        "Secret holding the scrape token under the key token (default vllm-monitor-scrape-token when VLLM_METRICS_AUTH_TOKEN is set)",
      ),
    )
    .addOption(
      new Option(
        "--gpu-operator-namespace <name>",
        "namespace of the GPU Operator's dcgm-exporter, scraped when GPU_EXPORTER=dcgm",
      ).default(DEFAULT_GPU_OPERATOR_NAMESPACE),
    )
    .addOption(
      new Option("--dashboards <source>", "recorded: dashboards reading our recording rules (installed alongside); raw: the portable ones")
        .choices(["recorded", "raw"])
        .default("recorded"),
    )
    .addOption(new Option("--folder <name>", "Grafana folder of the dashboards (grafana_folder annotation)").default("vLLM"))
    .action(async (options: ConfKubernetesOptions) => {
      const { envFile, out, ...choices } = options;
      // why: loaded on use: the Kubernetes models and their schemas would slow every other command's start.
      const { writeKubernetesConfig } = await import("../../kubernetes/settings.js");
      const configured = await writeKubernetesConfig(settingsFrom({ ...(envFile === undefined ? {} : { envFile }) }), {
        ...choices,
        outDir: out,
      });
      for (const note of configured.notes) printError(`note: ${note}\n`);
      for (const path of configured.result.written) print(`wrote ${shown(path)}\n`);
      for (const path of configured.result.removed) print(`removed stale ${shown(path)}\n`);
      print(`apply it with: kubectl apply -k ${configured.kustomizationDir}\n`);
    });
}

function shown(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith("..") ? path : fromHere;
}
