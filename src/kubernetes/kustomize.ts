/**
 * The kustomize files around our manifests: kustomizations, components and their JSON patches.
 * kubernetes-models has no type for these (they are kustomize's, not the API server's), so the
 * few fields we write are typed here.
 */
import { yamlText } from "./yaml.js";

export interface PatchTarget {
  readonly group?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly labelSelector?: string;
}

export interface Patch {
  readonly target?: PatchTarget;
  /** Inline patch text (a JSON6902 list as YAML). */
  readonly patch?: string;
  /** A patch file next to the kustomization. */
  readonly path?: string;
}

export interface Kustomization {
  readonly apiVersion: "kustomize.config.k8s.io/v1beta1";
  readonly kind: "Kustomization";
  readonly namespace?: string;
  readonly resources: readonly string[];
  readonly components?: readonly string[];
  readonly labels?: readonly { readonly pairs: Readonly<Record<string, string>>; readonly includeSelectors: boolean }[];
  readonly patches?: readonly Patch[];
}

export interface KustomizeComponent {
  readonly apiVersion: "kustomize.config.k8s.io/v1alpha1";
  readonly kind: "Component";
  readonly resources?: readonly string[];
  readonly patches?: readonly Patch[];
}

export interface JsonPatchOperation {
  readonly op: "add" | "replace" | "remove";
  /** A JSON pointer: `/` inside a key is written `~1`. */
  readonly path: string;
  readonly value?: unknown;
}

export const MONITORING_GROUP = "monitoring.coreos.com";

export function kustomization(fields: Omit<Kustomization, "apiVersion" | "kind">): Kustomization {
  return { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", ...fields };
}

export function component(fields: Omit<KustomizeComponent, "apiVersion" | "kind">): KustomizeComponent {
  return { apiVersion: "kustomize.config.k8s.io/v1alpha1", kind: "Component", ...fields };
}

/** An inline JSON6902 patch of the objects `target` matches (none matching is not an error). */
export function jsonPatch(target: PatchTarget, operations: readonly JsonPatchOperation[]): Patch {
  return { target, patch: yamlText(operations) };
}

/** `a/b` → `a~1b`, for a key inside a JSON pointer. */
export function pointerKey(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** kustomize's `labels` entry that sets metadata labels only, never selectors. */
export function metadataLabels(pairs: Readonly<Record<string, string>>) {
  return { pairs, includeSelectors: false };
}
