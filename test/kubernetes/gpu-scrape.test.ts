import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { KUBERNETES_ROOT } from "./objects.js";

for (const overlay of ["production-stack", "llm-d"]) {
  test(`overlays/${overlay} adds no second dcgm-exporter scrape beside the GPU Operator's own ServiceMonitor, and says how to add one`, () => {
    const kustomization = parse(readFileSync(join(KUBERNETES_ROOT, "overlays", overlay, "kustomization.yaml"), "utf8")) as {
      components?: string[];
    };
    assert.ok((kustomization.components ?? []).length > 0, "the overlay uses its stack's component");
    assert.ok(
      !(kustomization.components ?? []).some((component) => component.endsWith("/dcgm-exporter")),
      JSON.stringify(kustomization.components),
    );
    const readme = readFileSync(join(KUBERNETES_ROOT, "README.md"), "utf8");
    assert.match(readme, new RegExp(`${overlay}[^\\n]*dcgmExporter\\.serviceMonitor\\.enabled=true[^\\n]*components/dcgm-exporter`));
  });
}
