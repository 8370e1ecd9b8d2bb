/**
 * One flat kustomization with the user's choices built in: what `vllm-monitor conf kubernetes`
 * writes. Same builders as deploy/kubernetes, fed with the user's mixin (thresholds, runbook URL)
 * and options instead of the defaults. Pure.
 */
import type { Mixin } from "../mixin/index.js";
import { dashboardConfigMaps } from "./dashboards.js";
import { kustomization } from "./kustomize.js";
import { dcgmServiceMonitor, vllmMonitor } from "./monitors.js";
import type { KubernetesOptions } from "./options.js";
import { prometheusRule } from "./rules.js";
import { BASE_FILES } from "./tree.js";
import { kustomizeText, manifestText, type ManifestFile } from "./yaml.js";

const RENDERED = "# Rendered by `vllm-monitor conf kubernetes` from .env and its options; render again rather than edit.\n";

export function renderedKubernetesTree(mixin: Mixin, options: KubernetesOptions): ManifestFile[] {
  const monitorFile = options.monitorKind === "pod" ? BASE_FILES.podMonitor : "vllm-servicemonitor.yaml";
  const dashboards = options.dashboardSource === "recorded" ? mixin.recordedDashboards : mixin.portableDashboards;
  const files: ManifestFile[] = [
    { path: monitorFile, content: manifestText(RENDERED, [vllmMonitor(options)]) },
    { path: BASE_FILES.rules, content: manifestText(RENDERED, [prometheusRule(mixin.ruleFiles, options)]) },
    { path: BASE_FILES.dashboards, content: manifestText(RENDERED, dashboardConfigMaps(dashboards, options)) },
  ];
  if (options.gpuOperatorNamespace !== undefined) {
    files.push({
      path: "dcgm-exporter-servicemonitor.yaml",
      content: manifestText(RENDERED, [dcgmServiceMonitor(options, options.gpuOperatorNamespace)]),
    });
  }
  return [
    { path: "kustomization.yaml", content: kustomizeText(RENDERED, kustomization({ resources: files.map((file) => file.path) })) },
    ...files,
  ];
}
