import { dcgm, node, nvidiaSmi, vllm, vllmLegacy, type MetricFamily } from "../catalog/index.js";
import type { ExpositionDocument } from "../exposition/index.js";
import type { CheckResult, VllmGeneration } from "./types.js";

/** `vllm:`, taken from the catalog so no metric name is spelled here. */
function vllmPrefix(): string {
  const name = vllm.numRequestsRunning.name;
  return name.slice(0, name.indexOf(":") + 1);
}

export interface GenerationFindings {
  readonly generation: VllmGeneration;
  readonly models: string[];
  readonly engines: string[];
  readonly check: CheckResult;
}

const V0_ONLY_GAUGES: readonly MetricFamily[] = [
  vllmLegacy.numRequestsSwapped,
  vllmLegacy.cpuCacheUsagePerc,
  vllmLegacy.gpuPrefixCacheHitRate,
  vllmLegacy.cpuPrefixCacheHitRate,
  vllmLegacy.avgPromptThroughput,
  vllmLegacy.avgGenerationThroughput,
];

/** Tells which vLLM metric generation a scrape comes from, and which models and engines it covers. Pure. */
export function classifyGeneration(document: ExpositionDocument): GenerationFindings {
  const prefix = vllmPrefix();
  const vllmSamples = document.families.flatMap((family) => family.samples).filter((sample) => sample.name.startsWith(prefix));
  const names = new Set(vllmSamples.map((sample) => sample.name));
  const models = distinct(vllmSamples.map((sample) => sample.labels.model_name));
  const engines = distinct(vllmSamples.map((sample) => sample.labels.engine));

  if (vllmSamples.length === 0) {
    return { generation: "none", models, engines, check: explainNoVllm(document, prefix) };
  }
  const hasNew = names.has(vllm.kvCacheUsagePerc.name);
  const hasOld = names.has(vllmLegacy.gpuCacheUsagePerc.name);
  const hasEngine = engines.length > 0;
  const seen = `${names.size} vLLM series; models: ${models.join(", ") || "(no model_name label)"}; engines: ${engines.join(", ") || "(no engine label)"}`;
  if (hasNew && !hasOld) {
    return {
      generation: "current",
      models,
      engines,
      check: { check: "generation", status: "ok", message: `current vLLM V1 metrics (≥ 0.11): ${seen}` },
    };
  }
  if (hasNew && hasOld) {
    return {
      generation: "0.10",
      models,
      engines,
      check: {
        check: "generation",
        status: "ok",
        message: `0.10-era vLLM V1 metrics (0.9.2 – 0.11: both ${vllm.kvCacheUsagePerc.name} and the deprecated ${vllmLegacy.gpuCacheUsagePerc.name}): ${seen}`,
      },
    };
  }
  if (hasOld && hasEngine) {
    return {
      generation: "v1-early",
      models,
      engines,
      check: {
        check: "generation",
        status: "ok",
        message: `early vLLM V1 metrics (0.8.3 – 0.9.1: ${vllmLegacy.gpuCacheUsagePerc.name}, no ${vllm.kvCacheUsagePerc.name}): ${seen}`,
        fix: "dashboards fall back to the older names; panels for metrics added later stay empty (see below)",
      },
    };
  }
  if (hasOld) {
    const v0Gauges = V0_ONLY_GAUGES.filter((family) => names.has(family.name)).map((family) => family.name);
    return {
      generation: "v0",
      models,
      engines,
      check: {
        check: "generation",
        status: "ok",
        message: `vLLM V0-engine metrics (or V1 before 0.8.3: no engine label, ${vllmLegacy.gpuCacheUsagePerc.name}${v0Gauges.length > 0 ? `, V0 gauges such as ${v0Gauges.slice(0, 2).join(", ")}` : ""}): ${seen}`,
        fix: "panels per engine show one series; upgrade vLLM for the newer metrics",
      },
    };
  }
  return {
    generation: "unknown",
    models,
    engines,
    check: {
      check: "generation",
      status: "note",
      message: `vLLM metrics without a KV-cache gauge (neither ${vllm.kvCacheUsagePerc.name} nor ${vllmLegacy.gpuCacheUsagePerc.name}): ${seen}`,
      fix: "the engine may still be starting, or this is a vLLM front end without engine metrics; check again once it serves requests",
    },
  };
}

function explainNoVllm(document: ExpositionDocument, prefix: string): CheckResult {
  const names = new Set(document.families.flatMap((family) => family.samples.map((sample) => sample.name)));
  const rayPrefix = prefix.replace(":", "_");
  const sanitized = new Set([...Object.values(vllm), ...Object.values(vllmLegacy)].map((family) => family.name.replace(":", "_")));
  const rayNames = [...names].filter((name) => {
    const index = name.indexOf(rayPrefix);
    return index >= 0 && [...sanitized].some((candidate) => name.slice(index).startsWith(candidate));
  });
  if (rayNames.length > 0) {
    return {
      check: "generation",
      status: "problem",
      message: `no ${prefix} metrics, but Ray-exported ones with "_" instead of ":" (e.g. ${rayNames.slice(0, 2).join(", ")})`,
      fix: `the dashboards query ${prefix} names; point the target at vLLM's own /metrics on the API server port instead of Ray's metrics exporter`,
    };
  }
  const exporter = otherExporter(names);
  if (exporter !== undefined) {
    return {
      check: "generation",
      status: "problem",
      message: `no ${prefix} metrics: this looks like ${exporter}, not a vLLM server`,
      fix: "point the target at the vLLM server's port (vllm serve --port, default 8000); GPU and node exporters are scraped separately",
    };
  }
  return {
    check: "generation",
    status: "problem",
    message: `no ${prefix} metrics at all (${names.size} other series)`,
    fix: "check that the target is a vLLM OpenAI server (vllm serve), not a proxy or another service on the same port",
  };
}

function otherExporter(names: ReadonlySet<string>): string | undefined {
  const has = (group: Record<string, MetricFamily>) => Object.values(group).some((family) => names.has(family.name));
  if (has(node)) return "node_exporter";
  if (has(dcgm)) return "dcgm-exporter";
  if (has(nvidiaSmi)) return "nvidia_gpu_exporter";
  return undefined;
}

function distinct(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== undefined && value !== ""))].sort();
}
