import { node, vllm, vllmLegacy } from "../../src/catalog/index.js";

/** A small page as current vLLM V1 writes it (two engines), for servers that stand in for vLLM. */
export function currentVllmPage(model: string): string {
  const lines: string[] = [];
  for (const family of [vllm.numRequestsRunning, vllm.kvCacheUsagePerc]) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} gauge`);
    for (const engine of ["0", "1"]) lines.push(`${family.name}{engine="${engine}",model_name="${model}"} 0.0`);
  }
  return `${lines.join("\n")}\n`;
}

/** Ray's exporter re-spells vLLM names with `_` (vllm-metrics.md §1.7). */
export function rayVllmPage(): string {
  const name = `ray_${vllm.numRequestsRunning.name.replace(":", "_")}`;
  return `# TYPE ${name} gauge\n${name}{model_name="m"} 1\n`;
}

export function v0VllmPage(model: string): string {
  return [
    `# TYPE ${vllmLegacy.gpuCacheUsagePerc.name} gauge`,
    `${vllmLegacy.gpuCacheUsagePerc.name}{model_name="${model}"} 0.5`,
    `# TYPE ${vllmLegacy.numRequestsSwapped.name} gauge`,
    `${vllmLegacy.numRequestsSwapped.name}{model_name="${model}"} 0`,
    "",
  ].join("\n");
}

export function tenEraVllmPage(model: string): string {
  return [
    `${vllm.kvCacheUsagePerc.name}{engine="0",model_name="${model}"} 0.5`,
    `${vllmLegacy.gpuCacheUsagePerc.name}{engine="0",model_name="${model}"} 0.5`,
    "",
  ].join("\n");
}

export function nodeExporterPage(): string {
  const family = Object.values(node)[0];
  if (family === undefined) throw new Error("the catalog has no node_exporter family");
  return `# TYPE ${family.name} ${family.type}\n${family.name}{cpu="0"} 1\n`;
}
