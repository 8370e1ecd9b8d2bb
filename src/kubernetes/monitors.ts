/**
 * The scrape setup for the Prometheus Operator: a PodMonitor (or a ServiceMonitor) for vLLM, with
 * the same metric drops as our own Prometheus config, and a ServiceMonitor for the GPU Operator's
 * dcgm-exporter. Typed objects; their `validate()` checks them against the operator's schemas.
 */
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import type { MixinSelectors } from "../mixin/config.js";
import { droppedFamilies } from "../mixin/rules/drops.js";
import { matcher } from "../promql/selector.js";
import { commonLabels, type KubernetesOptions, type LabelSelector, type TokenSecretRef } from "./options.js";

/** Name of the vLLM PodMonitor or ServiceMonitor; a PodMonitor's scrape job is `<namespace>/<name>`. */
export const VLLM_MONITOR_NAME = "vllm";
export const DCGM_MONITOR_NAME = "vllm-monitor-dcgm-exporter";

/** The GPU Operator's dcgm-exporter Service: label `app: nvidia-dcgm-exporter`, port `gpu-metrics` (9400). */
export const GPU_OPERATOR_DCGM = { serviceLabel: { app: "nvidia-dcgm-exporter" }, port: "gpu-metrics" } as const;

/** `metricRelabelings` dropping the families src/mixin/rules/drops.ts lists, as the operator spells them. */
export function metricRelabelings(): { sourceLabels: string[]; regex: string; action: "drop" }[] {
  return droppedFamilies().map((family) => ({ sourceLabels: ["__name__"], regex: family.regex, action: "drop" }));
}

/** `authorization` of an endpoint: the operator reads the token from the Secret key at reconcile time. */
export function bearerAuthorization(token: TokenSecretRef) {
  return { type: "Bearer", credentials: { name: token.name, key: token.key } };
}

function selectorOf(selector: LabelSelector) {
  return {
    ...(selector.matchLabels === undefined ? {} : { matchLabels: { ...selector.matchLabels } }),
    ...(selector.matchExpressions === undefined
      ? {}
      : {
          matchExpressions: selector.matchExpressions.map(({ key, operator, values }) => ({
            key,
            operator,
            ...(values === undefined ? {} : { values: [...values] }),
          })),
        }),
  };
}

function namespaceSelectorOf(namespaces: readonly string[]) {
  return namespaces.length === 0 ? { any: true } : { matchNames: [...namespaces] };
}

/**
 * `hostname` = the node the pod runs on, on every target we scrape.
 * why: the dashboards join vLLM, its GPUs and its host on `hostname`; compose and native configs set it
 * from the host, and on Kubernetes the node is the host. It also replaces dcgm-exporter's own
 * `hostname`/`Hostname` (the pod name on some setups) with the node name.
 */
export const NODE_HOSTNAME_RELABELING = {
  sourceLabels: ["__meta_kubernetes_pod_node_name"],
  targetLabel: "hostname",
  action: "replace",
} as const;

/** What a PodMonitor endpoint and a ServiceMonitor endpoint share. */
function endpointFields(options: KubernetesOptions) {
  return {
    port: options.vllm.port,
    path: options.metricsPath,
    ...(options.scheme === "https" ? { scheme: "https" as const } : {}),
    ...(options.interval === undefined ? {} : { interval: options.interval }),
    ...(options.insecureSkipVerify ? { tlsConfig: { insecureSkipVerify: true } } : {}),
    ...(options.token === undefined ? {} : { authorization: bearerAuthorization(options.token) }),
    relabelings: [{ ...NODE_HOSTNAME_RELABELING, sourceLabels: [...NODE_HOSTNAME_RELABELING.sourceLabels] }],
    metricRelabelings: metricRelabelings(),
  };
}

function metadata(name: string, options: KubernetesOptions) {
  return { name, namespace: options.namespace, labels: commonLabels(options) };
}

export function vllmPodMonitor(options: KubernetesOptions): PodMonitor {
  return new PodMonitor({
    metadata: metadata(VLLM_MONITOR_NAME, options),
    spec: {
      selector: selectorOf(options.vllm.selector),
      namespaceSelector: namespaceSelectorOf(options.vllmNamespaces),
      podMetricsEndpoints: [endpointFields(options)],
    },
  });
}

/** The scrape job of the vLLM monitor, of either kind: the operator's name for a PodMonitor's job. */
export function vllmJob(options: Pick<KubernetesOptions, "namespace">): string {
  return `${options.namespace}/${VLLM_MONITOR_NAME}`;
}

/** kube-prometheus-stack's node-exporter job (its ServiceMonitor's `jobLabel`). */
export const NODE_EXPORTER_JOB = "node-exporter";
/** The GPU Operator's dcgm-exporter job (`jobLabel: app`), ours and the operator's own alike. */
export const DCGM_EXPORTER_JOB = GPU_OPERATOR_DCGM.serviceLabel.app;

/**
 * For vLLM behind a Service: the selector and port name then apply to the Service, not the pods.
 * why: the operator names a ServiceMonitor's job after each Service; one job name for both kinds
 * keeps the dashboards' `job` variable and the alerts' scope the same whichever monitor is used.
 */
export function vllmServiceMonitor(options: KubernetesOptions): ServiceMonitor {
  const fields = endpointFields(options);
  return new ServiceMonitor({
    metadata: metadata(VLLM_MONITOR_NAME, options),
    spec: {
      selector: selectorOf(options.vllm.selector),
      namespaceSelector: namespaceSelectorOf(options.vllmNamespaces),
      endpoints: [
        {
          ...fields,
          relabelings: [...fields.relabelings, { action: "replace" as const, targetLabel: "job", replacement: vllmJob(options) }],
        },
      ],
    },
  });
}

/**
 * The GPU Operator runs dcgm-exporter as a DaemonSet behind the Service `nvidia-dcgm-exporter` in its
 * own namespace. `jobLabel: app` names the job `nvidia-dcgm-exporter`, as the operator's own
 * ServiceMonitor does; the node name is kept as `node` and set as `hostname`.
 */
export function dcgmServiceMonitor(options: KubernetesOptions, gpuOperatorNamespace: string): ServiceMonitor {
  return new ServiceMonitor({
    metadata: metadata(DCGM_MONITOR_NAME, options),
    spec: {
      jobLabel: "app",
      selector: { matchLabels: { ...GPU_OPERATOR_DCGM.serviceLabel } },
      namespaceSelector: { matchNames: [gpuOperatorNamespace] },
      endpoints: [
        {
          port: GPU_OPERATOR_DCGM.port,
          path: "/metrics",
          ...(options.interval === undefined ? {} : { interval: options.interval }),
          relabelings: [
            { sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node", action: "replace" },
            { ...NODE_HOSTNAME_RELABELING, sourceLabels: [...NODE_HOSTNAME_RELABELING.sourceLabels] },
          ],
        },
      ],
    },
  });
}

/** The vLLM monitor of the chosen kind. */
export function vllmMonitor(options: KubernetesOptions): PodMonitor | ServiceMonitor {
  return options.monitorKind === "pod" ? vllmPodMonitor(options) : vllmServiceMonitor(options);
}

/**
 * The targets the mixin owns in a shared cluster Prometheus: the vLLM monitor's job, the GPU
 * Operator's dcgm-exporter and kube-prometheus-stack's node-exporter, so `ScrapeTargetDown` pages
 * for these and not for every target of the cluster.
 */
export function kubernetesSelectors(options: Pick<KubernetesOptions, "namespace">): MixinSelectors {
  return { scrapeTargets: [vllmJob(options), DCGM_EXPORTER_JOB, NODE_EXPORTER_JOB].map((job) => [matcher("job", "=", job)]) };
}
