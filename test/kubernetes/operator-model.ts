/**
 * A model of the scrape jobs the Prometheus Operator writes for a PodMonitor or ServiceMonitor,
 * because no cluster or operator runs here. Kubernetes service discovery is replaced by static
 * targets carrying the `__meta_kubernetes_*` labels it would attach; the relabeling that follows is
 * the operator's: keep the selected pods (or Services) and the named port, drop finished pods,
 * then set `namespace`, `pod`, `container`, `endpoint` (and `service`), `job` = `<namespace>/<name>`
 * for a PodMonitor (the Service name, or its `jobLabel` label, for a ServiceMonitor), and leave
 * `instance` = the pod's IP:port. An endpoint's `authorization` is resolved from `secrets`, as the
 * operator does with the Secret it names.
 */
import type { ManifestObject } from "./objects.js";

export interface FakePod {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly container: string;
  /** Named container ports; `address` is the pod IP and port. */
  readonly ports: readonly { readonly name: string; readonly address: string }[];
  readonly phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  readonly node?: string;
}

/** A Service and the pods behind it (its Endpoints). */
export interface FakeService {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly pods: readonly FakePod[];
}

/** Secret name → key → value, as the operator would read them from the monitor's namespace. */
export type FakeSecrets = Readonly<Record<string, Readonly<Record<string, string>>>>;

interface Selector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface RelabelConfig {
  readonly sourceLabels?: string[];
  readonly targetLabel?: string;
  readonly regex?: string;
  readonly replacement?: string;
  readonly action?: string;
}

interface Endpoint {
  readonly port: string;
  readonly path?: string;
  readonly scheme?: string;
  readonly authorization?: { type?: string; credentials?: { name: string; key: string } };
  readonly relabelings?: RelabelConfig[];
  readonly metricRelabelings?: RelabelConfig[];
}

/** What a scrape job needs besides its config: files to write next to prometheus.yml (token files). */
export interface ModelledJob {
  readonly config: Record<string, unknown>;
  readonly files: Record<string, string>;
}

/** Prometheus' label-name sanitising of Kubernetes label keys (`app.kubernetes.io/name` → `app_kubernetes_io_name`). */
export function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, "_");
}

const quoteRegex = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function selectorRelabelings(selector: Selector, kind: "pod" | "service"): Record<string, unknown>[] {
  const label = (key: string) => `__meta_kubernetes_${kind}_label_${sanitize(key)}`;
  const present = (key: string) => `__meta_kubernetes_${kind}_labelpresent_${sanitize(key)}`;
  const rules: Record<string, unknown>[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    rules.push({ action: "keep", source_labels: [label(key), present(key)], regex: `(${quoteRegex(value)});true` });
  }
  for (const expression of selector.matchExpressions ?? []) {
    const values = `(${(expression.values ?? []).map(quoteRegex).join("|")});true`;
    if (expression.operator === "In")
      rules.push({ action: "keep", source_labels: [label(expression.key), present(expression.key)], regex: values });
    else if (expression.operator === "NotIn")
      rules.push({ action: "drop", source_labels: [label(expression.key), present(expression.key)], regex: values });
    else if (expression.operator === "Exists") rules.push({ action: "keep", source_labels: [present(expression.key)], regex: "true" });
    else if (expression.operator === "DoesNotExist")
      rules.push({ action: "drop", source_labels: [present(expression.key)], regex: "true" });
    else throw new Error(`unknown selector operator ${expression.operator}`);
  }
  return rules;
}

function namespaceRelabelings(monitor: ManifestObject): Record<string, unknown>[] {
  const selector = (monitor.spec?.namespaceSelector ?? {}) as { any?: boolean; matchNames?: string[] };
  if (selector.any === true) return [];
  const names = selector.matchNames ?? [monitor.metadata.namespace ?? "default"];
  return [{ action: "keep", source_labels: ["__meta_kubernetes_namespace"], regex: `(${names.map(quoteRegex).join("|")})` }];
}

function snakeCase(config: RelabelConfig): Record<string, unknown> {
  return {
    ...(config.sourceLabels === undefined ? {} : { source_labels: config.sourceLabels }),
    ...(config.targetLabel === undefined ? {} : { target_label: config.targetLabel }),
    ...(config.regex === undefined ? {} : { regex: config.regex }),
    ...(config.replacement === undefined ? {} : { replacement: config.replacement }),
    action: (config.action ?? "replace").toLowerCase(),
  };
}

function podTargetLabels(pod: FakePod): Record<string, string> {
  return {
    __meta_kubernetes_namespace: pod.namespace,
    __meta_kubernetes_pod_name: pod.name,
    __meta_kubernetes_pod_container_name: pod.container,
    __meta_kubernetes_pod_phase: pod.phase ?? "Running",
    __meta_kubernetes_pod_node_name: pod.node ?? "gpu-node-1",
    ...Object.fromEntries(
      Object.entries(pod.labels).flatMap(([key, value]) => [
        [`__meta_kubernetes_pod_label_${sanitize(key)}`, value],
        [`__meta_kubernetes_pod_labelpresent_${sanitize(key)}`, "true"],
      ]),
    ),
  };
}

function scrapeJob(
  jobName: string,
  endpoint: Endpoint,
  secrets: FakeSecrets,
  targets: { targets: string[]; labels: Record<string, string> }[],
  relabelings: Record<string, unknown>[],
): ModelledJob {
  const files: Record<string, string> = {};
  let authorization: Record<string, unknown> | undefined;
  const credentials = endpoint.authorization?.credentials;
  if (credentials !== undefined) {
    const value = secrets[credentials.name]?.[credentials.key];
    if (value === undefined)
      throw new Error(`${jobName}: Secret ${credentials.name} has no key ${credentials.key} (the operator would skip this monitor)`);
    const file = `${sanitize(jobName)}-token`;
    files[file] = value;
    authorization = { type: endpoint.authorization?.type ?? "Bearer", credentials_file: file };
  }
  return {
    config: {
      job_name: jobName,
      honor_labels: false,
      metrics_path: endpoint.path ?? "/metrics",
      scheme: endpoint.scheme ?? "http",
      ...(authorization === undefined ? {} : { authorization }),
      static_configs: targets,
      relabel_configs: [...relabelings, ...(endpoint.relabelings ?? []).map(snakeCase)],
      metric_relabel_configs: (endpoint.metricRelabelings ?? []).map(snakeCase),
    },
    files,
  };
}

/** The scrape job of a PodMonitor's first endpoint over these pods. */
export function podMonitorJob(monitor: ManifestObject, pods: readonly FakePod[], secrets: FakeSecrets = {}): ModelledJob {
  const spec = monitor.spec as { selector: Selector; podMetricsEndpoints: Endpoint[] };
  const endpoint = spec.podMetricsEndpoints[0]!;
  const { namespace = "default", name } = monitor.metadata;
  const targets = pods.flatMap((pod) =>
    pod.ports.map((port) => ({
      targets: [port.address],
      labels: { ...podTargetLabels(pod), __meta_kubernetes_pod_container_port_name: port.name },
    })),
  );
  return scrapeJob(`podMonitor/${namespace}/${name}/0`, endpoint, secrets, targets, [
    ...namespaceRelabelings(monitor),
    ...selectorRelabelings(spec.selector, "pod"),
    { action: "keep", source_labels: ["__meta_kubernetes_pod_container_port_name"], regex: quoteRegex(endpoint.port) },
    { action: "drop", source_labels: ["__meta_kubernetes_pod_phase"], regex: "(Failed|Succeeded)" },
    { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
    { source_labels: ["__meta_kubernetes_pod_container_name"], target_label: "container" },
    { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
    { target_label: "job", replacement: `${namespace}/${name}` },
    { target_label: "endpoint", replacement: endpoint.port },
  ]);
}

/** The scrape job of a ServiceMonitor's first endpoint over these Services' pods. */
export function serviceMonitorJob(monitor: ManifestObject, services: readonly FakeService[], secrets: FakeSecrets = {}): ModelledJob {
  const spec = monitor.spec as { selector: Selector; endpoints: Endpoint[]; jobLabel?: string };
  const endpoint = spec.endpoints[0]!;
  const { namespace = "default", name } = monitor.metadata;
  const targets = services.flatMap((service) =>
    service.pods.flatMap((pod) =>
      pod.ports.map((port) => ({
        targets: [port.address],
        labels: {
          ...podTargetLabels(pod),
          __meta_kubernetes_service_name: service.name,
          __meta_kubernetes_endpoint_port_name: port.name,
          ...Object.fromEntries(
            Object.entries(service.labels).flatMap(([key, value]) => [
              [`__meta_kubernetes_service_label_${sanitize(key)}`, value],
              [`__meta_kubernetes_service_labelpresent_${sanitize(key)}`, "true"],
            ]),
          ),
        },
      })),
    ),
  );
  return scrapeJob(`serviceMonitor/${namespace}/${name}/0`, endpoint, secrets, targets, [
    ...namespaceRelabelings(monitor),
    ...selectorRelabelings(spec.selector, "service"),
    { action: "keep", source_labels: ["__meta_kubernetes_endpoint_port_name"], regex: quoteRegex(endpoint.port) },
    { action: "drop", source_labels: ["__meta_kubernetes_pod_phase"], regex: "(Failed|Succeeded)" },
    { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
    { source_labels: ["__meta_kubernetes_service_name"], target_label: "service" },
    { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
    { source_labels: ["__meta_kubernetes_pod_container_name"], target_label: "container" },
    { source_labels: ["__meta_kubernetes_service_name"], target_label: "job" },
    ...(spec.jobLabel === undefined
      ? []
      : [{ source_labels: [`__meta_kubernetes_service_label_${sanitize(spec.jobLabel)}`], target_label: "job", regex: "(.+)" }]),
    { target_label: "endpoint", replacement: endpoint.port },
  ]);
}
