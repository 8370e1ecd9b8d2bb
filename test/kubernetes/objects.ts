/**
 * Reading Kubernetes manifests back for the tests: YAML documents as typed models (so `validate()`
 * checks each against its schema), `kubectl kustomize` builds, and the folders of deploy/kubernetes.
 */
import { execFile, execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { parseAllDocuments } from "yaml";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const KUBERNETES_ROOT = join(ROOT, "deploy", "kubernetes");

/** A manifest object as plain JSON. */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly spec?: Record<string, unknown>;
  readonly data?: Record<string, string>;
}

/** The kinds we ship; any other kind in a manifest is a mistake (a Secret above all). */
const MODELS = {
  "v1/ConfigMap": (object: ManifestObject) => new ConfigMap(object as unknown as ConstructorParameters<typeof ConfigMap>[0]),
  "monitoring.coreos.com/v1/PodMonitor": (object: ManifestObject) =>
    new PodMonitor(object as unknown as ConstructorParameters<typeof PodMonitor>[0]),
  "monitoring.coreos.com/v1/ServiceMonitor": (object: ManifestObject) =>
    new ServiceMonitor(object as unknown as ConstructorParameters<typeof ServiceMonitor>[0]),
  "monitoring.coreos.com/v1/PrometheusRule": (object: ManifestObject) =>
    new PrometheusRule(object as unknown as ConstructorParameters<typeof PrometheusRule>[0]),
  "perses.dev/v1alpha2/PersesDashboard": (object: ManifestObject) => ({ validate: () => validatePersesDashboard(object) }),
} as const;

/**
 * No published schema model exists for the Perses operator's PersesDashboard: check what the
 * operator and Perses need (a dashboard under spec.config whose layouts point at panels it holds).
 */
function validatePersesDashboard(object: ManifestObject): void {
  const config = object.spec?.config as
    | { panels?: Record<string, unknown>; layouts?: { spec?: { items?: { content?: { $ref?: string } }[] } }[]; duration?: string }
    | undefined;
  if (config === undefined || typeof config.duration !== "string") throw new Error("spec.config.duration is missing");
  const panels = new Set(Object.keys(config.panels ?? {}));
  const refs = (config.layouts ?? []).flatMap((layout) => layout.spec?.items ?? []).map((item) => item.content?.$ref ?? "");
  if (panels.size === 0 || refs.length !== panels.size) throw new Error(`${panels.size} panels but ${refs.length} layout items`);
  for (const ref of refs) if (!panels.has(ref.replace("#/spec/panels/", ""))) throw new Error(`layout item ${ref} points at no panel`);
}

/** Validates an object against the schema of its kind; throws naming the object when it fails or its kind is not one we ship. */
export function validateObject(object: ManifestObject): void {
  const make = MODELS[`${object.apiVersion}/${object.kind}` as keyof typeof MODELS];
  if (make === undefined) throw new Error(`${object.kind} ${object.metadata.name}: not a kind we ship (${object.apiVersion})`);
  try {
    make(object).validate();
  } catch (error) {
    throw new Error(`${object.kind} ${object.metadata.name}: ${(error as Error).message}`);
  }
}

export function parseDocuments(text: string): unknown[] {
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length > 0) throw new Error(document.errors.map((error) => error.message).join("; "));
    return document.toJSON() as unknown;
  });
}

export async function readDocuments(path: string): Promise<unknown[]> {
  return parseDocuments(await readFile(path, "utf8"));
}

export function isKustomizeFile(document: unknown): boolean {
  const apiVersion = (document as { apiVersion?: string } | null)?.apiVersion ?? "";
  return apiVersion.startsWith("kustomize.config.k8s.io/");
}

/** Every file under `dir`, relative to it, sorted. */
export function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix))
    .sort()
    .flatMap((entry) => {
      const relative = prefix === "" ? entry : `${prefix}/${entry}`;
      return statSync(join(dir, relative)).isDirectory() ? filesUnder(dir, relative) : [relative];
    });
}

/** Folders of deploy/kubernetes holding a kustomization.yaml (the root, base, overlays, components). */
export function kustomizationFolders(): string[] {
  return filesUnder(KUBERNETES_ROOT)
    .filter((path) => path === "kustomization.yaml" || path.endsWith("/kustomization.yaml"))
    .map((path) => path.replace(/\/?kustomization\.yaml$/, ""));
}

export function kubectlAvailable(): boolean {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore", timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** `kubectl kustomize DIR` (offline), parsed. */
export function kustomizeBuild(dir: string): Promise<ManifestObject[]> {
  return new Promise((resolve, reject) => {
    execFile("kubectl", ["kustomize", dir], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`kubectl kustomize ${dir} failed: ${stderr || error.message}`));
      else resolve(parseDocuments(stdout) as ManifestObject[]);
    });
  });
}
