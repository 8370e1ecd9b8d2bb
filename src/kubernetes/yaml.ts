/**
 * Manifests and kustomizations as YAML text: one document per object, keys in the order the
 * objects were built, long strings never folded, so the same input always gives the same bytes.
 */
import { stringify } from "yaml";

/** An object built with kubernetes-models: its schema check and its plain JSON. */
export interface KubernetesObject {
  validate(): void;
  toJSON(): unknown;
}

/** A file of the kustomize tree, relative to the tree's root. */
export interface ManifestFile {
  readonly path: string;
  readonly content: string;
}

export function yamlText(value: unknown): string {
  return stringify(value, { lineWidth: 0, minContentWidth: 0 });
}

/** Validates every object against its schema, then writes them as YAML documents under a header. */
export function manifestText(header: string, objects: readonly KubernetesObject[]): string {
  for (const object of objects) object.validate();
  return header + objects.map((object) => yamlText(object.toJSON())).join("---\n");
}

/** A kustomization or component file: not an API object, so nothing to validate. */
export function kustomizeText(header: string, document: unknown): string {
  return header + yamlText(document);
}
