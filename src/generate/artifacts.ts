/**
 * Everything `vllm-monitor generate` writes and `generate --check` (CI) compares: the mixin's
 * dashboards, rules and runbooks with the default settings, `.env_example` from the schema, and
 * deploy/kubernetes (the same mixin as Prometheus Operator objects).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { envExampleText } from "../config/env-example.js";
import type { DashboardFile } from "../mixin/dashboards/index.js";
import { defaultKubernetesOptions, kubernetesSelectors, kubernetesTree } from "../kubernetes/index.js";
import { buildMixin, defaultMixinConfig } from "../mixin/index.js";
import { RUNBOOK_PATH } from "../mixin/rules/index.js";
import { ruleFileText } from "../render/rule-file-text.js";

/** The kustomize base, components and overlays for the Prometheus Operator (src/kubernetes). */
export const KUBERNETES_DIR = join("deploy", "kubernetes");

export interface Artifact {
  /** Path relative to the project root. */
  readonly path: string;
  readonly content: string;
}

function dashboardArtifacts(folder: string, files: readonly DashboardFile[]): Artifact[] {
  return files.map((file) => ({ path: join(folder, file.fileName), content: `${JSON.stringify(file.dashboard, null, 2)}\n` }));
}

/**
 * Every generated file, as text. Pure.
 * why: `dashboards/*.json` read raw series so they work in any Grafana + Prometheus; the variant that
 * reads our recording rules (what our own stack provisions) sits in `dashboards/with-recording-rules/`.
 */
export function generatedArtifacts(): Artifact[] {
  const mixin = buildMixin();
  return [
    ...dashboardArtifacts("dashboards", mixin.portableDashboards),
    ...dashboardArtifacts(join("dashboards", "with-recording-rules"), mixin.recordedDashboards),
    ...mixin.persesDashboards.map((file) => ({
      path: join("dashboards", "perses", file.fileName),
      content: `${JSON.stringify(file.dashboard, null, 2)}\n`,
    })),
    ...mixin.ruleFiles.map((file) => ({ path: join("rules", file.fileName), content: ruleFileText(file) })),
    { path: RUNBOOK_PATH, content: mixin.runbooks },
    { path: ".env_example", content: envExampleText() },
    ...kubernetesTree(buildMixin({ ...defaultMixinConfig(), selectors: kubernetesSelectors(defaultKubernetesOptions()) })).map((file) => ({
      path: join(KUBERNETES_DIR, file.path),
      content: file.content,
    })),
  ];
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Paths (relative to `root`) whose content differs from what `generate` would write. */
export async function staleArtifacts(root: string): Promise<string[]> {
  const stale: string[] = [];
  for (const artifact of generatedArtifacts()) {
    if ((await readIfPresent(join(root, artifact.path))) !== artifact.content) stale.push(artifact.path);
  }
  return stale;
}

export async function writeArtifacts(root: string): Promise<string[]> {
  const written: string[] = [];
  for (const artifact of generatedArtifacts()) {
    const target = join(root, artifact.path);
    if ((await readIfPresent(target)) === artifact.content) continue;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, artifact.content);
    written.push(artifact.path);
  }
  return written;
}
