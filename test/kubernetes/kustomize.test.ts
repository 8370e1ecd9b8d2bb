/**
 * `kubectl kustomize` (kustomize v5, offline) on every folder of deploy/kubernetes. Skipped where no
 * kubectl is installed. The golden file covers the scrape objects of one overlay; the rule and the
 * dashboards are compared with rules/ and dashboards/ by manifests.test.ts whatever their number.
 * Refresh the golden file after an intended change with: UPDATE_GOLDEN=1 node scripts/run-tests.mjs test/kubernetes/kustomize
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { stringify } from "yaml";
import { buildMixin } from "../../src/mixin/index.js";
import { useTemporaryDirs } from "../helpers/temporary.js";
import {
  KUBERNETES_ROOT,
  ROOT,
  kubectlAvailable,
  kustomizationFolders,
  kustomizeBuild,
  parseDocuments,
  validateObject,
  type ManifestObject,
} from "./objects.js";

const temporaryDir = useTemporaryDirs();
const skip = kubectlAvailable() ? false : "kubectl is not installed (it carries kustomize v5)";
const GOLDEN_OVERLAY = "service-monitor-with-token";
const GOLDEN_FILE = join(import.meta.dirname, "golden", `${GOLDEN_OVERLAY}.yaml`);

const key = (object: ManifestObject) => `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
const kinds = (objects: readonly ManifestObject[]) => objects.map((object) => object.kind).sort();
const componentNames = () => readdirSync(join(KUBERNETES_ROOT, "components")).sort();

describe("kubectl kustomize on deploy/kubernetes", { skip }, () => {
  test("builds the root, the base and every overlay into objects that pass their schemas, none of them a Secret", async () => {
    const folders = kustomizationFolders().filter((folder) => !folder.startsWith("components/"));
    assert.ok(
      folders.includes("") && folders.includes("base") && folders.filter((folder) => folder.startsWith("overlays/")).length >= 4,
      folders.join(", "),
    );
    for (const folder of folders) {
      const objects = await kustomizeBuild(join(KUBERNETES_ROOT, folder));
      assert.ok(objects.length >= 4, `${folder}: ${objects.length} objects`);
      for (const object of objects) assert.doesNotThrow(() => validateObject(object), `${folder}: ${key(object)}`);
      assert.equal(new Set(objects.map(key)).size, objects.length, `${folder}: duplicate objects`);
    }
  });

  test("installs the PodMonitor, the PrometheusRule and one ConfigMap per dashboard into monitoring with release kube-prometheus-stack", async () => {
    const objects = await kustomizeBuild(KUBERNETES_ROOT);
    assert.deepEqual([...new Set(kinds(objects))], ["ConfigMap", "PodMonitor", "PrometheusRule"]);
    for (const object of objects) {
      assert.equal(object.metadata.namespace, "monitoring", key(object));
      assert.equal(object.metadata.labels?.release, "kube-prometheus-stack", key(object));
      assert.equal(object.metadata.labels?.["app.kubernetes.io/part-of"], "vllm-monitor", key(object));
    }
  });

  test("builds every component on top of the base on its own", async () => {
    const base = await kustomizeBuild(join(KUBERNETES_ROOT, "base"));
    for (const name of componentNames()) {
      const dir = temporaryDir(`k8s-${name}-`);
      await writeFile(
        join(dir, "kustomization.yaml"),
        stringify({
          apiVersion: "kustomize.config.k8s.io/v1beta1",
          kind: "Kustomization",
          resources: [relative(dir, join(KUBERNETES_ROOT, "base"))],
          components: [relative(dir, join(KUBERNETES_ROOT, "components", name))],
        }),
      );
      const built = await kustomizeBuild(dir);
      assert.ok(built.length >= base.length - 1, `${name}: ${built.length} objects`);
      assert.notDeepEqual(built, base, `${name} changes nothing`);
      for (const object of built) assert.doesNotThrow(() => validateObject(object), `${name}: ${key(object)}`);
    }
  });

  test("selects production-stack engines and llm-d model servers by their own labels and port names", async () => {
    const podMonitor = async (name: string) =>
      (await kustomizeBuild(join(KUBERNETES_ROOT, "overlays", name))).find((object) => object.kind === "PodMonitor")!;
    const production = (await podMonitor("production-stack")).spec as { selector: unknown; podMetricsEndpoints: { port: string }[] };
    assert.deepEqual(production.selector, {
      matchExpressions: [
        { key: "helm-release-name", operator: "Exists" },
        { key: "model", operator: "Exists" },
      ],
    });
    assert.equal(production.podMetricsEndpoints[0]!.port, "container-port");
    const llmd = (await podMonitor("llm-d")).spec as { selector: unknown; podMetricsEndpoints: { port: string }[] };
    assert.deepEqual(llmd.selector, {
      matchLabels: { "llm-d.ai/inferenceServing": "true" },
      matchExpressions: [{ key: "llm-d.ai/engine-type", operator: "NotIn", values: ["sglang"] }],
    });
    assert.equal(llmd.podMetricsEndpoints[0]!.port, "metrics");
  });

  test("moves every object of an overlay to its namespace and release label, or drops the label", async () => {
    const custom = await kustomizeBuild(join(KUBERNETES_ROOT, "overlays", GOLDEN_OVERLAY));
    for (const object of custom) {
      assert.equal(object.metadata.namespace, "observability", key(object));
      assert.equal(object.metadata.labels?.release, "prometheus", key(object));
    }
    for (const object of await kustomizeBuild(join(KUBERNETES_ROOT, "overlays", "without-release-label"))) {
      assert.equal(object.metadata.labels?.release, undefined, key(object));
      assert.equal(object.metadata.labels?.["app.kubernetes.io/part-of"], "vllm-monitor", key(object));
    }
  });

  test("builds the README's own-overlay example next to a clone, as written", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Kubernetes"), readme.indexOf("## Dashboards"));
    const example = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((match) => match[1]!)
      .find((text) => text.includes("kind: Kustomization"));
    assert.ok(example, "no kustomization example in the README's Kubernetes section");
    const dir = temporaryDir("k8s-readme-");
    await symlink(ROOT, join(dir, "vllm-monitor"));
    await mkdir(join(dir, "overlay"));
    await writeFile(join(dir, "overlay", "kustomization.yaml"), example);
    const objects = await kustomizeBuild(join(dir, "overlay"));
    assert.deepEqual(kinds(objects), [
      ...Array<string>(buildMixin().recordedDashboards.length).fill("ConfigMap"),
      "PodMonitor",
      "PrometheusRule",
      "ServiceMonitor",
    ]);
    for (const object of objects) {
      assert.equal(object.metadata.namespace, "observability", key(object));
      assert.equal(object.metadata.labels?.release, "prometheus", key(object));
    }
  });

  test(`builds overlays/${GOLDEN_OVERLAY} into the golden scrape objects`, async () => {
    const scrape = (await kustomizeBuild(join(KUBERNETES_ROOT, "overlays", GOLDEN_OVERLAY))).filter(
      (object) => object.kind !== "ConfigMap" && object.kind !== "PrometheusRule",
    );
    const text = `# kubectl kustomize deploy/kubernetes/overlays/${GOLDEN_OVERLAY}, without the ConfigMaps and the PrometheusRule.\n${scrape.map((object) => stringify(object)).join("---\n")}`;
    if (process.env.UPDATE_GOLDEN === "1") await writeFile(GOLDEN_FILE, text);
    assert.deepEqual(parseDocuments(text), parseDocuments(await readFile(GOLDEN_FILE, "utf8")));
    assert.equal(text, await readFile(GOLDEN_FILE, "utf8"));
  });
});
