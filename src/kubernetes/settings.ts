/**
 * `vllm-monitor conf kubernetes`: the user's .env (thresholds, runbook URL, metrics path, scheme,
 * token, scrape interval, GPU exporter) plus the Kubernetes choices of the command line, rendered
 * as one flat kustomization into `<out>/kubernetes`. A token's value never goes there: the
 * monitor points at a Secret key, and the note says how to create that Secret.
 */
import type { Settings } from "../config/load.js";
import { UserError } from "../errors.js";
import {
  DEFAULT_TOKEN_SECRET,
  defaultKubernetesOptions,
  presets,
  renderedKubernetesTree,
  type KubernetesOptions,
  type LabelSelector,
  type PresetName,
} from "./index.js";
import { buildMixin, mixinConfig } from "../mixin/index.js";
import { kubernetesSelectors } from "./monitors.js";
import { writeOutputTree, type WriteResult } from "../render/writer.js";

export const KUBERNETES_OUTPUT_DIR = "kubernetes";

/** What `conf kubernetes` takes from its command line. */
export interface KubernetesChoices {
  readonly outDir: string;
  readonly namespace: string;
  /** The `release` label value; false: none. */
  readonly release: string | false;
  readonly preset: PresetName;
  /** `key=value,…`: replaces the preset's selector. */
  readonly selector?: string;
  /** Replaces the preset's port name. */
  readonly port?: string;
  /** `a,b`: namespaces of the vLLM pods; none: every namespace. */
  readonly vllmNamespaces?: string;
  readonly monitor: "pod" | "service";
  /** Secret holding the scrape token under key `token`; also turns the token on without VLLM_METRICS_AUTH_TOKEN. */
  readonly tokenSecret?: string;
  readonly gpuOperatorNamespace: string;
  readonly dashboards: "recorded" | "raw";
  readonly folder: string;
}

// Kubernetes' own name rules (apimachinery validation), so a typo fails here and not at `kubectl apply`.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function list(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function parseSelector(text: string, problems: string[]): LabelSelector {
  const matchLabels: Record<string, string> = {};
  for (const pair of list(text)) {
    const [key = "", value, ...rest] = pair.split("=");
    if (value === undefined || rest.length > 0 || !LABEL_NAME.test(key) || !LABEL_VALUE.test(value)) {
      problems.push(`--selector: "${pair}" is not a label key=value pair; use e.g. --selector app.kubernetes.io/name=vllm,team=ml`);
    } else {
      matchLabels[key] = value;
    }
  }
  if (Object.keys(matchLabels).length === 0 && problems.length === 0)
    problems.push("--selector lists no label; use e.g. --selector app.kubernetes.io/name=vllm");
  return { matchLabels };
}

/** The options the manifests are built with. Reports every bad choice at once. Pure. */
export function kubernetesOptionsFrom(settings: Pick<Settings, "env" | "sources">, choices: KubernetesChoices): KubernetesOptions {
  const problems: string[] = [];
  const { env } = settings;
  if (!DNS_LABEL.test(choices.namespace))
    problems.push(`--namespace "${choices.namespace}" is not a Kubernetes namespace name (lowercase letters, digits and -, at most 63)`);
  if (choices.release !== false && (choices.release === "" || !LABEL_VALUE.test(choices.release))) {
    problems.push(
      `--release "${choices.release}" is not a label value; pass the Helm release name of kube-prometheus-stack, or --no-release`,
    );
  }
  const vllmNamespaces = list(choices.vllmNamespaces);
  for (const name of vllmNamespaces.filter((item) => !DNS_LABEL.test(item)))
    problems.push(`--vllm-namespaces: "${name}" is not a namespace name`);
  if (!DNS_LABEL.test(choices.gpuOperatorNamespace))
    problems.push(`--gpu-operator-namespace "${choices.gpuOperatorNamespace}" is not a namespace name`);
  if (choices.port !== undefined && !PORT_NAME.test(choices.port)) {
    problems.push(
      `--port "${choices.port}" is not a port name (lowercase letters, digits and -, at most 15, as in the pod's ports[].name)`,
    );
  }
  if (choices.tokenSecret !== undefined && !DNS_SUBDOMAIN.test(choices.tokenSecret))
    problems.push(`--token-secret "${choices.tokenSecret}" is not a Secret name`);
  if (choices.folder.trim() === "") problems.push("--folder must name a Grafana folder, e.g. vLLM");
  const preset = presets()[choices.preset];
  const selector = choices.selector === undefined ? preset.selector : parseSelector(choices.selector, problems);
  if (choices.monitor === "service" && choices.preset !== "plain" && choices.selector === undefined) {
    problems.push(`--preset ${choices.preset} selects pods; with --monitor service pass --selector with the labels of your vLLM Services`);
  }
  if (problems.length > 0) throw new UserError("cannot render the Kubernetes manifests:", problems);

  const tokenWanted = env.VLLM_METRICS_AUTH_TOKEN !== undefined || choices.tokenSecret !== undefined;
  return {
    ...defaultKubernetesOptions(),
    namespace: choices.namespace,
    releaseLabel: choices.release === false ? undefined : choices.release,
    vllm: { selector, port: choices.port ?? preset.port },
    vllmNamespaces,
    monitorKind: choices.monitor,
    token: tokenWanted
      ? { ...DEFAULT_TOKEN_SECRET, ...(choices.tokenSecret === undefined ? {} : { name: choices.tokenSecret }) }
      : undefined,
    metricsPath: env.VLLM_METRICS_PATH,
    scheme: env.SCHEMA,
    insecureSkipVerify: env.VLLM_TLS_INSECURE_SKIP_VERIFY,
    // why: SCRAPE_INTERVAL's default (5s) suits our own Prometheus; a cluster's Prometheus keeps its own unless the user set one.
    interval: settings.sources.SCRAPE_INTERVAL.kind === "default" ? undefined : env.SCRAPE_INTERVAL,
    gpuOperatorNamespace: env.GPU_EXPORTER === "dcgm" ? choices.gpuOperatorNamespace : undefined,
    grafanaFolder: choices.folder,
    dashboardSource: choices.dashboards,
  };
}

/** What the user must know: the Secret to create, settings that do not carry over. Never a secret's value. */
function kubernetesNotes(settings: Pick<Settings, "env">, options: KubernetesOptions): string[] {
  const notes: string[] = [];
  if (options.token !== undefined) {
    notes.push(
      `the monitor reads its bearer token from key ${options.token.key} of the Secret ${options.token.name} in namespace ${options.namespace}; ` +
        `create it once (the token stays out of the rendered files): kubectl -n ${options.namespace} create secret generic ${options.token.name} --from-file=${options.token.key}=PATH_TO_TOKEN_FILE`,
    );
  }
  if (settings.env.VLLM_TLS_CA_FILE !== undefined) {
    notes.push(
      "VLLM_TLS_CA_FILE is not carried into Kubernetes: put the CA in a ConfigMap and add tlsConfig.ca.configMap to the monitor's endpoint",
    );
  }
  if (settings.env.GPU_EXPORTER === "nvidia-smi")
    notes.push("GPU_EXPORTER=nvidia-smi: no manifest is rendered for nvidia_gpu_exporter; scrape it with a ServiceMonitor of your own");
  return notes;
}

export interface KubernetesConfigured {
  readonly result: WriteResult;
  readonly notes: readonly string[];
  /** The folder to pass to `kubectl apply -k`. */
  readonly kustomizationDir: string;
}

/** Renders the manifests in memory (nothing is written when a choice is wrong), then writes `<out>/kubernetes`. */
export async function writeKubernetesConfig(settings: Settings, choices: KubernetesChoices): Promise<KubernetesConfigured> {
  const options = kubernetesOptionsFrom(settings, choices);
  const files = renderedKubernetesTree(buildMixin(mixinConfig(settings, kubernetesSelectors(options))), options);
  const result = await writeOutputTree(
    choices.outDir,
    files.map((file) => ({ path: `${KUBERNETES_OUTPUT_DIR}/${file.path}`, content: file.content })),
    { ownedRoots: [KUBERNETES_OUTPUT_DIR] },
  );
  // why: VLLM_TARGET plays no part on Kubernetes (pods are found by label), so the demo-mode note would mislead.
  return {
    result,
    notes: [...settings.notes, ...kubernetesNotes(settings, options)],
    kustomizationDir: `${choices.outDir}/${KUBERNETES_OUTPUT_DIR}`,
  };
}
