/**
 * Our Kubernetes scrape setup against a real Prometheus: simulated vLLM pods in two namespaces,
 * a GPU Operator dcgm-exporter and a kube-prometheus-stack node-exporter, scraped through the jobs
 * the Prometheus Operator would write for our PodMonitor and ServiceMonitors (operator-model.ts),
 * with the committed PrometheusRule's groups loaded. Every panel must return data with the
 * operator's labels (job = namespace/podmonitor, instance = pod IP:port, namespace, pod, container,
 * endpoint), and the namespace and pod variables must narrow every vLLM panel.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "yaml";
import { vllm } from "../../src/catalog/index.js";
import { buildMixin } from "../../src/mixin/index.js";
import { grafanaScope } from "../../src/promql/scope.js";
import { series } from "../../src/promql/selector.js";
import { DEFAULT_TOKEN_SECRET, defaultKubernetesOptions, vllmPodMonitor } from "../../src/kubernetes/index.js";
import {
  allSelectedValues,
  dashboardQueries,
  dashboardVariable,
  regexVariableValue,
  substituteVariables,
  type PanelQuery,
} from "../../src/mixin/dashboards/inspect.js";
import type { ManagedProcess } from "../../src/process/index.js";
import { waitUntil } from "../../src/process/index.js";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.js";
import { startNodeExporter } from "../dashboards/fleet.js";
import { startPrometheus, type RunningPrometheus } from "../helpers/prometheus.js";
import { KUBERNETES_ROOT, readDocuments, type ManifestObject } from "./objects.js";
import { podMonitorJob, serviceMonitorJob, type FakePod } from "./operator-model.js";

const TOKEN = "scrape-token-of-the-label-test";
const VLLM_JOB = "monitoring/vllm";
const PODS = [
  { namespace: "llm", name: "vllm-llama-5d9c7b8f4-x2k9q", host: "127.0.0.2", model: "llama-3-8b" },
  { namespace: "llm-canary", name: "vllm-qwen-7c6b5d4f9-p8m3z", host: "127.0.0.3", model: "qwen-2-7b" },
] as const;
const SCRAPE_SECONDS = 1;

const hostPort = (url: string) => new URL(url).host;
const where = (query: PanelQuery) => `${query.dashboardUid} / ${query.panelTitle} / ${query.refId}`;

function panelQueries(): PanelQuery[] {
  const mixin = buildMixin();
  return [...mixin.recordedDashboards, ...mixin.portableDashboards]
    .flatMap((file) => dashboardQueries(file.dashboard))
    .filter((query) => query.expr.trim() !== "");
}

/** Queries that read vLLM series: the only ones the namespace and pod variables filter. */
const readsVllm = (query: PanelQuery) => query.expr.includes("$pod");

describe("dashboards and rules on the labels the Prometheus Operator attaches", () => {
  const simulators: RunningSimulator[] = [];
  let nodeExporter: { process: ManagedProcess; target: string } | undefined;
  let prometheus: RunningPrometheus | undefined;
  const values = allSelectedValues(`${4 * SCRAPE_SECONDS}s`);

  async function emptyQueries(queries: readonly PanelQuery[], variables: Record<string, string>): Promise<string[]> {
    const empty: string[] = [];
    for (const query of queries) {
      const samples = await prometheus!.query(substituteVariables(query.expr, variables)).catch(() => []);
      if (samples.length === 0) empty.push(where(query));
    }
    return empty;
  }

  before(async () => {
    for (const pod of PODS) {
      // why: speculative decoding and LoRA on, so every optional panel is proven with data too.
      // why: the newest line with every optional feature on, so every panel (the optional rows too) has data to show.
      const features = {
        metricsVersion: "0.32",
        enableMfuMetrics: true,
        kvCacheMetrics: true,
        kvConnector: "multi",
        multimodal: true,
        maxNumQueuedReqs: 64,
      } as const;
      simulators.push(
        await startSimulator({
          host: pod.host,
          model: pod.model,
          engines: 2,
          seed: 5,
          load: "steady",
          speculativeTokens: 3,
          loraAdapters: 2,
          token: TOKEN,
          ...features,
          ...(pod === PODS[0] ? { gpuPort: 0 } : {}),
        }),
      );
    }
    nodeExporter = await startNodeExporter();
    const [first, second] = simulators.map((simulator) => hostPort(simulator.urls[0]!));
    const vllmPod = (index: number, address: string): FakePod => ({
      namespace: PODS[index]!.namespace,
      name: PODS[index]!.name,
      labels: { "app.kubernetes.io/name": "vllm", "pod-template-hash": PODS[index]!.name.split("-").at(-2)! },
      container: "vllm",
      ports: [{ name: "http", address }],
    });
    const pods: FakePod[] = [
      vllmPod(0, first!),
      vllmPod(1, second!),
      // Decoys the PodMonitor must leave alone: another app on a port named http, a vLLM pod's other port, a finished pod.
      {
        namespace: "llm",
        name: "vllm-router-6f7d9c-r4t5y",
        labels: { "app.kubernetes.io/name": "vllm-router" },
        container: "router",
        ports: [{ name: "http", address: first! }],
      },
      { ...vllmPod(0, first!), name: "vllm-llama-grpc-only", ports: [{ name: "grpc", address: second! }] },
      { ...vllmPod(1, second!), name: "vllm-qwen-old-k2j4h", phase: "Succeeded" },
    ];
    const podMonitor = vllmPodMonitor({ ...defaultKubernetesOptions(), token: DEFAULT_TOKEN_SECRET }).toJSON() as ManifestObject;
    const dcgmMonitor = (
      await readDocuments(join(KUBERNETES_ROOT, "components", "dcgm-exporter", "dcgm-exporter-servicemonitor.yaml"))
    )[0] as ManifestObject;
    const nodeMonitor: ManifestObject = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "kube-prometheus-stack-node-exporter", namespace: "monitoring" },
      spec: {
        jobLabel: "jobLabel",
        selector: { matchLabels: { "app.kubernetes.io/name": "prometheus-node-exporter" } },
        endpoints: [{ port: "http-metrics" }],
      },
    };
    const jobs = [
      podMonitorJob(podMonitor, pods, { [DEFAULT_TOKEN_SECRET.name]: { [DEFAULT_TOKEN_SECRET.key]: TOKEN } }),
      serviceMonitorJob(dcgmMonitor, [
        {
          namespace: "gpu-operator",
          name: "nvidia-dcgm-exporter",
          labels: { app: "nvidia-dcgm-exporter" },
          pods: [
            {
              namespace: "gpu-operator",
              name: "nvidia-dcgm-exporter-7xk2p",
              labels: { app: "nvidia-dcgm-exporter" },
              container: "nvidia-dcgm-exporter",
              ports: [{ name: "gpu-metrics", address: hostPort(simulators[0]!.gpuUrl!) }],
            },
          ],
        },
      ]),
      serviceMonitorJob(nodeMonitor, [
        {
          namespace: "monitoring",
          name: "kube-prometheus-stack-prometheus-node-exporter",
          labels: { "app.kubernetes.io/name": "prometheus-node-exporter", jobLabel: "node-exporter" },
          pods: [
            {
              namespace: "monitoring",
              name: "kube-prometheus-stack-prometheus-node-exporter-b8w2c",
              labels: {},
              container: "node-exporter",
              ports: [{ name: "http-metrics", address: nodeExporter.target }],
            },
          ],
        },
      ]),
    ];
    const prometheusRule = (await readDocuments(join(KUBERNETES_ROOT, "base", "vllm-monitor-rules.yaml")))[0] as ManifestObject;
    const files = {
      "vllm-monitor-rules.yml": stringify({ groups: prometheusRule.spec?.groups }),
      ...Object.assign({}, ...jobs.map((job) => job.files)),
    };
    prometheus = await startPrometheus({
      config: (dir) =>
        stringify({
          global: { scrape_interval: `${SCRAPE_SECONDS}s`, evaluation_interval: `${SCRAPE_SECONDS}s` },
          rule_files: [join(dir, "vllm-monitor-rules.yml")],
          scrape_configs: jobs.map((job) => job.config),
        }),
      files,
    });
    await prometheus.waitForScrapes(2);
    const queries = panelQueries();
    await waitUntil(async () => (await emptyQueries(queries, values)).length === 0, {
      what: "data in every panel",
      timeoutMs: 120_000,
      intervalMs: 2_000,
    }).catch(() => undefined);
  });

  after(async () => {
    await Promise.all(simulators.map((simulator) => simulator.close()));
    await nodeExporter?.process.stop();
    await prometheus?.stop();
  });

  test("scrapes exactly the selected vLLM pods on their named port, labelled as the operator labels them, with the node's name as hostname", async () => {
    const targets = (await prometheus!.targets()).filter((target) => target.labels.job === VLLM_JOB);
    const labels = targets.map((target) => target.labels).sort((a, b) => (a.pod ?? "").localeCompare(b.pod ?? ""));
    assert.deepEqual(
      labels,
      PODS.map((pod, index) => ({
        container: "vllm",
        endpoint: "http",
        hostname: "gpu-node-1",
        instance: hostPort(simulators[index]!.urls[0]!),
        job: VLLM_JOB,
        namespace: pod.namespace,
        pod: pod.name,
      })).sort((a, b) => a.pod.localeCompare(b.pod)),
    );
    assert.ok(
      targets.every((target) => target.health === "up"),
      JSON.stringify(targets.map((target) => [target.labels.pod, target.health, target.lastError])),
    );
    const gpu = (await prometheus!.targets()).find((target) => target.labels.job === "nvidia-dcgm-exporter");
    assert.deepEqual(
      { ...gpu?.labels, instance: undefined },
      {
        container: "nvidia-dcgm-exporter",
        endpoint: "gpu-metrics",
        hostname: "gpu-node-1",
        instance: undefined,
        job: "nvidia-dcgm-exporter",
        namespace: "gpu-operator",
        node: "gpu-node-1",
        pod: "nvidia-dcgm-exporter-7xk2p",
        service: "nvidia-dcgm-exporter",
      },
    );
  });

  test("scrapes with the token of the Secret key the PodMonitor names, which the pods demand", async () => {
    const response = await fetch(`${simulators[0]!.urls[0]}/metrics`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    assert.equal(response.status, 401, "the simulated pods refuse a scrape without the token");
    const up = await prometheus!.query(`up{job="${VLLM_JOB}"}`);
    assert.deepEqual(
      up.map((sample) => sample.value),
      [1, 1],
    );
  });

  test("drops the families the PodMonitor's metricRelabelings list, and nothing vLLM needs", async () => {
    const dropped = await prometheus!.query(
      `count by (__name__) ({job="${VLLM_JOB}", __name__=~".+_created|python_gc_.+|http_request_duration_highr_seconds_bucket"})`,
    );
    assert.deepEqual(dropped, []);
    const [scraped] = await prometheus!.query(
      `sum(scrape_samples_scraped{job="${VLLM_JOB}"}) - sum(scrape_samples_post_metric_relabeling{job="${VLLM_JOB}"})`,
    );
    assert.ok((scraped?.value ?? 0) > 0, "the drops removed no sample");
  });

  test("returns data in every panel of every dashboard, recorded and raw, with every variable on All", async () => {
    assert.deepEqual(await emptyQueries(panelQueries(), values), []);
  });

  test("offers the pods' namespaces and names in the namespace and pod variables", async () => {
    const dashboard = buildMixin().recordedDashboards[0]!.dashboard;
    const options = async (name: string, variables: Record<string, string>) => {
      const query = dashboardVariable(dashboard, name)?.query ?? "";
      const [, selector, label] = /^label_values\((.*), (\w+)\)$/.exec(query) ?? [];
      assert.ok(selector && label, `${name} is not a label_values() query: ${query}`);
      const url = `${prometheus!.url}/api/v1/label/${label}/values?match[]=${encodeURIComponent(substituteVariables(selector, variables))}`;
      return ((await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).json()) as { data: string[] }).data;
    };
    assert.deepEqual(await options("namespace", values), PODS.map((pod) => pod.namespace).sort());
    assert.deepEqual(await options("pod", values), PODS.map((pod) => pod.name).sort());
    assert.deepEqual(await options("pod", { ...values, namespace: regexVariableValue(["llm-canary"]) }), [PODS[1].name]);
  });

  test("narrows every vLLM panel, recorded or raw, to the chosen namespace or pod", async () => {
    const vllmQueries = panelQueries().filter(readsVllm);
    assert.ok(vllmQueries.length > 20, `${vllmQueries.length} vLLM queries`);
    assert.ok(
      vllmQueries.every((query) => query.expr.includes("$namespace")),
      "a vLLM query without the namespace variable",
    );
    const unfiltered = await emptyQueries(vllmQueries, { ...values, pod: regexVariableValue(["no-such-pod"]) });
    assert.deepEqual(unfiltered.sort(), vllmQueries.map(where).sort(), "a vLLM panel ignores the pod variable");
    assert.deepEqual(await emptyQueries(vllmQueries, { ...values, pod: regexVariableValue([PODS[0].name]) }), []);
    assert.deepEqual(await emptyQueries(vllmQueries, { ...values, namespace: regexVariableValue([PODS[1].namespace]) }), []);
    const running = series(vllm.numRequestsRunning.name, grafanaScope().vllm);
    const perNamespace = await prometheus!.query(
      substituteVariables(running, { ...values, namespace: regexVariableValue([PODS[1].namespace]) }),
    );
    assert.deepEqual([...new Set(perNamespace.map((sample) => sample.metric.model_name))], [PODS[1].model]);
  });

  test("evaluates every rule of the PrometheusRule, keeping namespace and pod on the instance-level records", async () => {
    const response = await fetch(`${prometheus!.url}/api/v1/rules`, { signal: AbortSignal.timeout(10_000) });
    const groups = ((await response.json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } })
      .data.groups;
    const unhealthy = groups.flatMap((group) => group.rules).filter((rule) => rule.health !== "ok");
    assert.deepEqual(unhealthy, []);
    const recorded = await prometheus!.query('instance:vllm_time_to_first_token_seconds_bucket:rate5m{le="+Inf"}');
    assert.deepEqual(
      [...new Set(recorded.map((sample) => `${sample.metric.namespace}/${sample.metric.pod}`))].sort(),
      PODS.map((pod) => `${pod.namespace}/${pod.name}`).sort(),
    );
  });
});
