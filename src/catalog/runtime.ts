import type { MetricFamily } from "./types.js";

/**
 * prometheus_client's default platform and GC collectors, present on a single-process vLLM server
 * next to the `process_*` families (vllm-metrics.md §2e).
 */
export const pythonRuntime = {
  gcObjectsCollected: {
    name: "python_gc_objects_collected_total",
    type: "counter",
    help: "Objects collected during gc",
    labels: ["generation"],
    unit: "objects",
  },
  gcObjectsUncollectable: {
    name: "python_gc_objects_uncollectable_total",
    type: "counter",
    help: "Uncollectable objects found during GC",
    labels: ["generation"],
    unit: "objects",
  },
  gcCollections: {
    name: "python_gc_collections_total",
    type: "counter",
    help: "Number of times this generation was collected",
    labels: ["generation"],
    unit: "collections",
  },
  info: {
    name: "python_info",
    type: "gauge",
    help: "Python platform information",
    labels: ["implementation", "major", "minor", "patchlevel", "version"],
    unit: "none",
  },
} as const satisfies Record<string, MetricFamily>;
