/**
 * The choices a Kubernetes install makes, with the defaults the committed deploy/kubernetes base
 * uses: where the objects live, which label the Prometheus Operator selects them by, which pods
 * are vLLM, and whether the scrape carries a bearer token. Pure data.
 */

/** A Kubernetes label selector (matchLabels and matchExpressions), as the monitors' `selector` takes it. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    readonly values?: readonly string[];
  }[];
}

/** How vLLM pods (or their Services) are found: a label selector and the name of the port serving /metrics. */
export interface VllmSelection {
  readonly selector: LabelSelector;
  readonly port: string;
}

export const PRESET_NAMES = ["plain", "production-stack", "llm-d"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface Preset extends VllmSelection {
  readonly name: PresetName;
  /** One line for README and `conf kubernetes --help`: whose pods these are. */
  readonly description: string;
}

/**
 * The pods of the usual ways to run vLLM on Kubernetes. Labels and port names come from the
 * charts themselves (see README "Kubernetes"):
 * - plain: what we ask a hand-written Deployment to carry (`app.kubernetes.io/name: vllm`, a container port named `http`).
 * - production-stack (vllm-project/production-stack Helm chart): serving-engine pods carry `model` and
 *   `helm-release-name` and name their port `container-port`; the router pods carry neither.
 * - llm-d (llm-d-modelservice chart): model-server pods carry `llm-d.ai/inferenceServing: "true"`;
 *   the chart's own PodMonitor scrapes the container port named `metrics` (vLLM's port: 8200 behind
 *   the decode routing sidecar, 8000 on prefill pods). SGLang pods (`llm-d.ai/engine-type: sglang`) are left out.
 */
export function presets(): Record<PresetName, Preset> {
  return {
    plain: {
      name: "plain",
      description: "a Deployment of your own: pods labelled app.kubernetes.io/name=vllm with a container port named http",
      selector: { matchLabels: { "app.kubernetes.io/name": "vllm" } },
      port: "http",
    },
    "production-stack": {
      name: "production-stack",
      description: "vLLM production-stack serving engines: pods with the labels model and helm-release-name, port container-port",
      selector: {
        matchExpressions: [
          { key: "helm-release-name", operator: "Exists" },
          { key: "model", operator: "Exists" },
        ],
      },
      port: "container-port",
    },
    "llm-d": {
      name: "llm-d",
      description: "llm-d model servers: pods labelled llm-d.ai/inferenceServing=true (not SGLang), port metrics",
      selector: {
        matchLabels: { "llm-d.ai/inferenceServing": "true" },
        matchExpressions: [{ key: "llm-d.ai/engine-type", operator: "NotIn", values: ["sglang"] }],
      },
      port: "metrics",
    },
  };
}

/** Where the operator finds the scrape token: a key of a Secret in the monitors' namespace (never its value). */
export interface TokenSecretRef {
  readonly name: string;
  readonly key: string;
}

export interface KubernetesOptions {
  /** Namespace of every object we install (and of the token Secret). */
  readonly namespace: string;
  /**
   * Value of the `release` label the Prometheus Operator of kube-prometheus-stack selects monitors and
   * rules by (its Helm release name); undefined: no such label.
   */
  readonly releaseLabel: string | undefined;
  /** Which vLLM pods (or Services) to scrape. */
  readonly vllm: VllmSelection;
  /** Namespaces the vLLM pods run in; empty: every namespace. */
  readonly vllmNamespaces: readonly string[];
  /** `pod`: a PodMonitor (no Service needed); `service`: a ServiceMonitor selecting Services by the same labels. */
  readonly monitorKind: "pod" | "service";
  readonly token: TokenSecretRef | undefined;
  /** The HTTP path of vLLM's metrics. */
  readonly metricsPath: string;
  readonly scheme: "http" | "https";
  readonly insecureSkipVerify: boolean;
  /** Scrape interval; undefined: the Prometheus' own (kube-prometheus-stack: 30s). */
  readonly interval: string | undefined;
  /** Namespace of the GPU Operator's dcgm-exporter; undefined: no dcgm-exporter ServiceMonitor. */
  readonly gpuOperatorNamespace: string | undefined;
  /** Grafana folder the sidecar files our dashboards into (`grafana_folder` annotation). */
  readonly grafanaFolder: string;
  /** `recorded`: dashboards reading our recording rules (installed with them); `raw`: the portable ones. */
  readonly dashboardSource: "recorded" | "raw";
}

/** The Secret `conf kubernetes` and the bearer-token component point at. */
export const DEFAULT_TOKEN_SECRET: TokenSecretRef = { name: "vllm-monitor-scrape-token", key: "token" };

/** Namespace kube-prometheus-stack is usually installed into, and where our objects go by default. */
export const DEFAULT_NAMESPACE = "monitoring";
/** kube-prometheus-stack's monitors and rules are selected by `release: <its Helm release name>`. */
export const DEFAULT_RELEASE_LABEL = "kube-prometheus-stack";
export const DEFAULT_GPU_OPERATOR_NAMESPACE = "gpu-operator";

/** What the committed deploy/kubernetes base is built with. */
export function defaultKubernetesOptions(): KubernetesOptions {
  return {
    namespace: DEFAULT_NAMESPACE,
    releaseLabel: DEFAULT_RELEASE_LABEL,
    vllm: presets().plain,
    vllmNamespaces: [],
    monitorKind: "pod",
    token: undefined,
    metricsPath: "/metrics",
    scheme: "http",
    insecureSkipVerify: false,
    interval: undefined,
    gpuOperatorNamespace: undefined,
    grafanaFolder: "vLLM",
    dashboardSource: "recorded",
  };
}

/** Labels every object we install carries, so `kubectl get -l app.kubernetes.io/part-of=vllm-monitor` lists them. */
export function commonLabels(options: Pick<KubernetesOptions, "releaseLabel">): Record<string, string> {
  return {
    "app.kubernetes.io/part-of": "vllm-monitor",
    ...(options.releaseLabel === undefined ? {} : { release: options.releaseLabel }),
  };
}
