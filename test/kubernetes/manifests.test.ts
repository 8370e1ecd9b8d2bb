import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { kubernetesTree } from "../../src/kubernetes/index.js";
import { buildMixin } from "../../src/mixin/index.js";
import { metricRelabelDrops } from "../../src/mixin/rules/index.js";
import { runCli } from "../helpers/cli.js";
import { runPromtool } from "../helpers/promtool.js";
import { useTemporaryDirs } from "../helpers/temporary.js";
import {
  filesUnder,
  isKustomizeFile,
  KUBERNETES_ROOT,
  parseDocuments,
  readDocuments,
  ROOT,
  validateObject,
  type ManifestObject,
} from "./objects.js";

const temporaryDir = useTemporaryDirs();

/** Every Kubernetes object of the committed tree, with the file it is in. */
async function committedObjects(): Promise<{ file: string; object: ManifestObject }[]> {
  const found: { file: string; object: ManifestObject }[] = [];
  for (const file of filesUnder(KUBERNETES_ROOT).filter((path) => path.endsWith(".yaml") && !path.endsWith(".patch.yaml"))) {
    for (const document of await readDocuments(join(KUBERNETES_ROOT, file))) {
      if (!isKustomizeFile(document)) found.push({ file, object: document as ManifestObject });
    }
  }
  return found;
}

const ofKind = async (kind: string) => (await committedObjects()).filter(({ object }) => object.kind === kind);

function ruleFilesOnDisk(): string[] {
  return readdirSync(join(ROOT, "rules"))
    .filter((name) => name.endsWith(".yml"))
    .sort();
}

async function groupsOf(path: string): Promise<{ name: string }[]> {
  return (parse(await readFile(path, "utf8")) as { groups: { name: string }[] }).groups;
}

/** Keys whose string value would be a credential; references to a Secret are objects, never strings. */
const CREDENTIAL_KEY = /password|token|credential|secret/i;

function inlineCredentials(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => inlineCredentials(item, `${path}[${index}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) =>
    CREDENTIAL_KEY.test(key) && typeof child === "string" ? [`${path}.${key}`] : inlineCredentials(child, `${path}.${key}`),
  );
}

describe("deploy/kubernetes", () => {
  test("validates every committed object against the Kubernetes, Prometheus Operator and Perses operator schemas", async () => {
    const objects = await committedObjects();
    const kinds = new Set(objects.map(({ object }) => object.kind));
    assert.deepEqual([...kinds].sort(), ["ConfigMap", "PersesDashboard", "PodMonitor", "PrometheusRule", "ServiceMonitor"]);
    for (const { file, object } of objects) assert.doesNotThrow(() => validateObject(object), file);
  });

  test("rejects a monitor whose field breaks the operator's schema, so the validation above can fail", async () => {
    const [podMonitor] = await ofKind("PodMonitor");
    const broken = structuredClone(podMonitor!.object) as unknown as { spec: { podMetricsEndpoints: { interval?: string }[] } };
    broken.spec.podMetricsEndpoints[0]!.interval = "30 seconds";
    assert.throws(() => validateObject(broken as unknown as ManifestObject), /interval must match pattern/);
    assert.throws(() => validateObject({ apiVersion: "v1", kind: "Secret", metadata: { name: "token" } }), /not a kind we ship/);
  });

  test("ships one PersesDashboard per dashboard, each the committed dashboards/perses spec", async () => {
    const dashboards = await ofKind("PersesDashboard");
    const perses = buildMixin().persesDashboards;
    assert.deepEqual(
      dashboards.map(({ object }) => object.metadata.name).sort(),
      perses.map((file) => file.dashboard.metadata.name).sort(),
    );
    for (const { object } of dashboards) {
      const committed = JSON.parse(await readFile(join(ROOT, "dashboards", "perses", `${object.metadata.name}.json`), "utf8")) as {
        spec: unknown;
      };
      assert.deepEqual(object.spec?.config, committed.spec, object.metadata.name);
    }
  });

  test("puts every group of every rules/*.yml file in order into the one PrometheusRule, ScrapeTargetDown scoped to the mixin's jobs", async () => {
    const rules = await ofKind("PrometheusRule");
    assert.equal(rules.length, 1);
    const expected: { name: string; rules: { alert?: string; expr: string }[] }[] = [];
    for (const name of ruleFilesOnDisk()) expected.push(...((await groupsOf(join(ROOT, "rules", name))) as typeof expected));
    const actual = (rules[0]!.object.spec as { groups: typeof expected }).groups;
    // why: a cluster Prometheus scrapes far more than our targets; only ScrapeTargetDown differs from rules/, scoped by job.
    const scoped = expected.map((group) => ({
      ...group,
      rules: group.rules.map((rule) =>
        rule.alert === "ScrapeTargetDown"
          ? { ...rule, expr: 'up{job="monitoring/vllm"} == 0 or up{job="nvidia-dcgm-exporter"} == 0 or up{job="node-exporter"} == 0' }
          : rule,
      ),
    }));
    const byName = (groups: readonly { name: string }[]) => Object.fromEntries(groups.map((group) => [group.name, group]));
    assert.deepEqual(byName(actual), byName(scoped));
    assert.equal(actual.length, expected.length);
    // Within each rule file the order is the evaluation order: recording rules before the alerts reading them.
    for (const name of ruleFilesOnDisk()) {
      const names = (await groupsOf(join(ROOT, "rules", name))).map((group) => group.name);
      assert.deepEqual(
        actual.map((group) => group.name).filter((group) => names.includes(group)),
        names,
      );
    }
  });

  test("passes promtool check rules with the PrometheusRule's groups", async () => {
    const [rule] = await ofKind("PrometheusRule");
    const file = join(temporaryDir("k8s-rules-"), "groups.yml");
    await writeFile(file, JSON.stringify({ groups: (rule!.object.spec as { groups: unknown }).groups }));
    const result = await runPromtool(["check", "rules", file]);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /SUCCESS: \d+ rules found/);
  });

  test("ships one ConfigMap per dashboard of dashboards/with-recording-rules/, holding that file's JSON", async () => {
    const configMaps = await ofKind("ConfigMap");
    const files = readdirSync(join(ROOT, "dashboards", "with-recording-rules"))
      .filter((name) => name.endsWith(".json"))
      .sort();
    const shipped = configMaps.flatMap(({ object }) => Object.keys(object.data ?? {}));
    assert.deepEqual([...shipped].sort(), files);
    for (const { object } of configMaps) {
      for (const [name, json] of Object.entries(object.data ?? {})) {
        assert.deepEqual(
          JSON.parse(json),
          JSON.parse(await readFile(join(ROOT, "dashboards", "with-recording-rules", name), "utf8")),
          `${object.metadata.name}: ${name}`,
        );
      }
    }
  });

  test("has the portable-dashboards component swap in each dashboard of dashboards/ by its ConfigMap and key", async () => {
    const folder = join(KUBERNETES_ROOT, "components", "portable-dashboards");
    const component = parse(await readFile(join(folder, "kustomization.yaml"), "utf8")) as {
      patches: { target: { name: string }; path: string }[];
    };
    const configMapNames = (await ofKind("ConfigMap")).map(({ object }) => object.metadata.name).sort();
    assert.deepEqual(component.patches.map((patch) => patch.target.name).sort(), configMapNames);
    const swapped: string[] = [];
    for (const patch of component.patches) {
      const operations = parse(await readFile(join(folder, patch.path), "utf8")) as { op: string; path: string; value: string }[];
      for (const operation of operations) {
        const name = operation.path.replace(/^\/data\//, "");
        assert.equal(operation.op, "replace");
        assert.deepEqual(JSON.parse(operation.value), JSON.parse(await readFile(join(ROOT, "dashboards", name), "utf8")), name);
        swapped.push(name);
      }
    }
    assert.deepEqual(
      swapped.sort(),
      readdirSync(join(ROOT, "dashboards"))
        .filter((name) => name.endsWith(".json"))
        .sort(),
    );
  });

  test("labels the dashboards for the Grafana sidecar, files them in a folder and keeps each under kubectl apply's annotation limit", async () => {
    for (const { object } of await ofKind("ConfigMap")) {
      assert.equal(object.metadata.labels?.grafana_dashboard, "1", object.metadata.name);
      assert.equal(object.metadata.annotations?.grafana_folder, "vLLM", object.metadata.name);
      // why: client-side `kubectl apply` copies the whole object into one annotation, which may not exceed 256 KiB.
      assert.ok(JSON.stringify(object).length < 200 * 1024, `${object.metadata.name} is too big for client-side kubectl apply`);
    }
  });

  test("drops in the vLLM monitors exactly the families our own Prometheus config drops", async () => {
    const expected = metricRelabelDrops().map((drop) => ({ sourceLabels: drop.source_labels, regex: drop.regex, action: drop.action }));
    const monitors = [...(await ofKind("PodMonitor")), ...(await ofKind("ServiceMonitor"))].filter(
      ({ object }) => object.metadata.name === "vllm",
    );
    assert.equal(monitors.length, 2, "a PodMonitor and a ServiceMonitor named vllm");
    for (const { object } of monitors) {
      const endpoints = ((object.spec?.podMetricsEndpoints ?? object.spec?.endpoints) as { metricRelabelings: unknown }[]) ?? [];
      assert.equal(endpoints.length, 1);
      assert.deepEqual(endpoints[0]!.metricRelabelings, expected, object.kind);
    }
  });

  test("builds a ConfigMap per dashboard and every rule group, however many the mixin returns", () => {
    const mixin = buildMixin();
    const first = mixin.recordedDashboards[0]!;
    const extraDashboard = { ...first, fileName: "vllm-extra.json", dashboard: { ...first.dashboard, uid: "vllm-extra", panels: [] } };
    const extraRules = {
      fileName: "vllm-fleet.yml",
      comment: [],
      groups: [{ name: "vllm-monitor.fleet", rules: [{ record: "job:up:sum", expr: "sum by (job) (up)" }] }],
    };
    const tree = kubernetesTree({
      ...mixin,
      recordedDashboards: [...mixin.recordedDashboards, extraDashboard],
      ruleFiles: [...mixin.ruleFiles, extraRules],
    });
    const file = (path: string) => tree.find((item) => item.path === path)?.content ?? "";
    const configMaps = parseDocuments(file("base/vllm-monitor-dashboards.yaml")) as ManifestObject[];
    assert.deepEqual(
      configMaps.map((object) => object.metadata.name),
      [...mixin.recordedDashboards, extraDashboard].map((item) => `vllm-monitor-dashboard-${item.fileName.replace(".json", "")}`),
    );
    const [rule] = parseDocuments(file("base/vllm-monitor-rules.yaml")) as ManifestObject[];
    assert.equal((rule!.spec as { groups: { name: string }[] }).groups.at(-1)?.name, "vllm-monitor.fleet");
  });

  test("holds no Secret, no inline credential and no token value in any committed manifest", async () => {
    for (const file of filesUnder(KUBERNETES_ROOT).filter((path) => path.endsWith(".yaml"))) {
      for (const document of await readDocuments(join(KUBERNETES_ROOT, file))) {
        assert.notEqual((document as { kind?: string }).kind, "Secret", file);
        assert.deepEqual(inlineCredentials(document, file), []);
      }
    }
    const text = (await Promise.all(filesUnder(KUBERNETES_ROOT).map((path) => readFile(join(KUBERNETES_ROOT, path), "utf8")))).join("\n");
    assert.doesNotMatch(text, /bearerToken:|credentials_file|password:/);
    // The token reaches the scrape only as a reference to a Secret key.
    const component = parse(await readFile(join(KUBERNETES_ROOT, "components", "bearer-token", "kustomization.yaml"), "utf8")) as {
      patches: { patch: string }[];
    };
    const added = component.patches.flatMap((patch) => parse(patch.patch) as { value: unknown }[]).map((operation) => operation.value);
    assert.deepEqual(
      added,
      [0, 1].map(() => ({ type: "Bearer", credentials: { name: "vllm-monitor-scrape-token", key: "token" } })),
    );
  });

  test("makes generate --check name a hand-edited Kubernetes manifest", async () => {
    const dir = temporaryDir("k8s-generate-");
    assert.equal((await runCli(["generate", "--dir", dir])).code, 0);
    await writeFile(join(dir, "deploy", "kubernetes", "base", "vllm-podmonitor.yaml"), "kind: PodMonitor\n");
    const { code, stderr } = await runCli(["generate", "--check", "--dir", dir]);
    assert.equal(code, 1);
    assert.match(stderr, /deploy\/kubernetes\/base\/vllm-podmonitor\.yaml/);
    assert.doesNotMatch(stderr, /vllm-monitor-rules\.yaml/);
  });
});
