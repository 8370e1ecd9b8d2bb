import { dcgm, httpServer, node, nvidiaSmi, pipeline, processCollector, scrape } from "./exporters.js";
import { prometheusSelf } from "./prometheus-self.js";
import type { MetricFamily } from "./types.js";
import { vllm, vllmLegacy } from "./vllm.js";
import { vllmFeatures } from "./vllm-features.js";
import { vllmKvResidency, vllmNixl, vllmOffload } from "./vllm-kv.js";

/** Every family the catalog declares, current and legacy. */
export function allFamilies(): MetricFamily[] {
  return [
    vllm,
    vllmLegacy,
    vllmFeatures,
    vllmKvResidency,
    vllmNixl,
    vllmOffload,
    dcgm,
    nvidiaSmi,
    node,
    httpServer,
    processCollector,
    scrape,
    pipeline,
    prometheusSelf,
  ].flatMap((group) => Object.values(group as Record<string, MetricFamily>));
}

/** Every series name a query may legitimately name: families plus histogram/summary suffixes. */
export function knownSeriesNames(): Set<string> {
  const names = new Set<string>();
  for (const family of allFamilies()) {
    names.add(family.name);
    if (family.type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(family.name + suffix);
    if (family.type === "summary") for (const suffix of ["_sum", "_count"]) names.add(family.name + suffix);
  }
  return names;
}
