import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildMixin } from "../../src/mixin/index.js";
import { runCli } from "../helpers/cli.js";
import { useTemporaryDirs } from "../helpers/temporary.js";
import { filesUnder, kubectlAvailable, kustomizeBuild, parseDocuments, validateObject, type ManifestObject } from "./objects.js";

const temporaryDir = useTemporaryDirs();
const dashboardCount = () => buildMixin().recordedDashboards.length;
const TOKEN = "tok-3f9a1c7e-never-in-a-manifest";

async function workspace(env: string): Promise<string> {
  const dir = temporaryDir("conf-k8s-");
  await writeFile(join(dir, ".env"), env);
  return dir;
}

async function renderedObjects(dir: string): Promise<ManifestObject[]> {
  const folder = join(dir, "build", "kubernetes");
  const objects: ManifestObject[] = [];
  for (const file of filesUnder(folder).filter((path) => path !== "kustomization.yaml"))
    objects.push(...(parseDocuments(await readFile(join(folder, file), "utf8")) as ManifestObject[]));
  return objects;
}

const find = (objects: readonly ManifestObject[], kind: string, name?: string) =>
  objects.find((object) => object.kind === kind && (name === undefined || object.metadata.name === name));

describe("vllm-monitor conf kubernetes", () => {
  test("renders the user's thresholds, runbook URL, path and token reference, never the token, and says how to create the Secret", async () => {
    const dir = await workspace(
      [
        `VLLM_METRICS_AUTH_TOKEN=${TOKEN}`,
        "SLO_TTFT_SECONDS=1",
        "RUNBOOK_BASE_URL=https://wiki.example.com/vllm/runbooks",
        "VLLM_METRICS_PATH=/vllm/metrics",
        "SCRAPE_INTERVAL=15s",
        "GPU_EXPORTER=dcgm",
        "",
      ].join("\n"),
    );
    const run = await runCli(["conf", "kubernetes", "--namespace", "observability", "--release", "prom", "--preset", "llm-d"], {
      cwd: dir,
    });
    assert.equal(run.code, 0, run.output);
    assert.match(run.stdout, /kubectl apply -k build\/kubernetes/);
    assert.match(run.stderr, /kubectl -n observability create secret generic vllm-monitor-scrape-token --from-file=token=/);
    assert.doesNotMatch(run.output, new RegExp(TOKEN));
    assert.doesNotMatch(run.stderr, /demo mode/);
    const folder = join(dir, "build", "kubernetes");
    for (const file of filesUnder(folder)) {
      assert.doesNotMatch(await readFile(join(folder, file), "utf8"), new RegExp(TOKEN), file);
      assert.equal(statSync(join(folder, file)).mode & 0o777, 0o600, file);
    }

    const objects = await renderedObjects(dir);
    for (const object of objects) {
      assert.doesNotThrow(() => validateObject(object), object.metadata.name);
      assert.equal(object.metadata.namespace, "observability");
      assert.equal(object.metadata.labels?.release, "prom");
    }
    const podMonitor = find(objects, "PodMonitor")!.spec as {
      selector: { matchLabels: Record<string, string> };
      podMetricsEndpoints: Record<string, unknown>[];
    };
    assert.deepEqual(podMonitor.selector.matchLabels, { "llm-d.ai/inferenceServing": "true" });
    assert.deepEqual(
      { ...podMonitor.podMetricsEndpoints[0], metricRelabelings: undefined },
      {
        port: "metrics",
        path: "/vllm/metrics",
        interval: "15s",
        authorization: { type: "Bearer", credentials: { name: "vllm-monitor-scrape-token", key: "token" } },
        relabelings: [{ sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "hostname", action: "replace" }],
        metricRelabelings: undefined,
      },
    );
    const alerts = (
      find(objects, "PrometheusRule")!.spec as {
        groups: { rules: { alert?: string; expr: string; annotations?: Record<string, string> }[] }[];
      }
    ).groups.flatMap((group) => group.rules);
    const ttft = alerts.find((rule) => rule.alert === "VllmTimeToFirstTokenHigh")!;
    assert.match(ttft.expr, /> 1$/);
    assert.equal(ttft.annotations?.runbook_url, "https://wiki.example.com/vllm/runbooks#vllmtimetofirsttokenhigh");
    assert.ok(find(objects, "ServiceMonitor", "vllm-monitor-dcgm-exporter"), "GPU_EXPORTER=dcgm renders the dcgm-exporter ServiceMonitor");
    assert.equal(objects.filter((object) => object.kind === "ConfigMap").length, dashboardCount());
  });

  test("renders a ServiceMonitor without release label, token or dcgm-exporter from an empty .env", async () => {
    const dir = await workspace("");
    const run = await runCli(
      [
        "conf",
        "kubernetes",
        "--monitor",
        "service",
        "--no-release",
        "--selector",
        "app=vllm,tier=inference",
        "--port",
        "metrics",
        "--vllm-namespaces",
        "llm,llm-canary",
        "--dashboards",
        "raw",
      ],
      { cwd: dir },
    );
    assert.equal(run.code, 0, run.output);
    const objects = await renderedObjects(dir);
    assert.deepEqual([...new Set(objects.map((object) => object.kind))].sort(), ["ConfigMap", "PrometheusRule", "ServiceMonitor"]);
    for (const object of objects) assert.equal(object.metadata.labels?.release, undefined);
    const spec = find(objects, "ServiceMonitor")!.spec as {
      selector: unknown;
      namespaceSelector: unknown;
      endpoints: Record<string, unknown>[];
    };
    assert.deepEqual(spec.selector, { matchLabels: { app: "vllm", tier: "inference" } });
    assert.deepEqual(spec.namespaceSelector, { matchNames: ["llm", "llm-canary"] });
    assert.equal(spec.endpoints[0]!.authorization, undefined);
    assert.equal(spec.endpoints[0]!.interval, undefined, "the cluster Prometheus keeps its own interval unless SCRAPE_INTERVAL is set");
    const dashboard = JSON.parse(Object.values(find(objects, "ConfigMap")!.data ?? {})[0]!) as {
      panels: { targets?: { expr: string }[] }[];
    };
    assert.ok(!JSON.stringify(dashboard).includes("instance:vllm_"), "--dashboards raw ships dashboards without recording rules");
  });

  test("reports every bad choice at once, exit 2, and writes nothing", async () => {
    const dir = await workspace("");
    const run = await runCli(
      ["conf", "kubernetes", "--namespace", "Monitoring", "--selector", "app", "--port", "HTTP_PORT", "--release", "a b"],
      { cwd: dir },
    );
    assert.equal(run.code, 2);
    for (const flag of ["--namespace", "--selector", "--port", "--release"]) assert.match(run.stderr, new RegExp(`${flag} `), flag);
    assert.equal(existsSync(join(dir, "build")), false);
    const combined = await runCli(["conf", "kubernetes", "--preset", "production-stack", "--monitor", "service"], { cwd: dir });
    assert.equal(combined.code, 2);
    assert.match(combined.stderr, /--preset production-stack selects pods; with --monitor service pass --selector/);
  });

  test("renders a kustomization kubectl kustomize builds", { skip: kubectlAvailable() ? false : "kubectl is not installed" }, async () => {
    const dir = await workspace("GPU_EXPORTER=dcgm\n");
    assert.equal((await runCli(["conf", "kubernetes", "--preset", "production-stack"], { cwd: dir })).code, 0);
    const built = await kustomizeBuild(join(dir, "build", "kubernetes"));
    assert.deepEqual(built.map((object) => object.kind).sort(), [
      ...Array<string>(dashboardCount()).fill("ConfigMap"),
      "PodMonitor",
      "PrometheusRule",
      "ServiceMonitor",
    ]);
    for (const object of built) assert.doesNotThrow(() => validateObject(object));
  });
});
