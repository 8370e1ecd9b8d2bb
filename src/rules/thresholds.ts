import { histogramSignals } from "../promql/signals.js";
import { assertBucketEdges } from "../promql/vllm.js";

/**
 * The one place thresholds live. Alerts, the SLO row of the User overview and the recording
 * rules read them from here, so a change moves all three together.
 */
export interface Thresholds {
  /** TTFT objective: `quantile` of requests get their first token within `seconds` (a bucket edge). */
  readonly ttft: { readonly seconds: number; readonly quantile: number; readonly for: string };
  /** End-to-end latency objective, likewise. */
  readonly e2e: { readonly seconds: number; readonly quantile: number; readonly for: string };
  /** Requests waiting, per instance, that count as a queue building up. */
  readonly queueWaiting: { readonly requests: number; readonly for: string };
  /** KV-cache usage (0–1) that leaves no room: preemptions follow. */
  readonly kvCacheUsage: { readonly ratio: number; readonly for: string };
  /** Preemptions per second, per instance, that are no longer a blip. */
  readonly preemptions: { readonly perSecond: number; readonly for: string };
  /** Share of finished requests that ended in abort or error. */
  readonly errorRatio: { readonly ratio: number; readonly for: string };
  /** Requests queued, none running, no token produced. */
  readonly notServing: { readonly for: string };
  readonly targetDown: { readonly for: string };
  readonly vllmMetricsAbsent: { readonly for: string };
  readonly gpuTemperature: { readonly celsius: number; readonly for: string };
  /** vLLM reserves `--gpu-memory-utilization` (0.9 by default) of each GPU: normal use sits near it. */
  readonly gpuMemory: { readonly ratio: number; readonly for: string };
}

/** The defaults shipped in rules/ and dashboards/. */
export function defaultThresholds(): Thresholds {
  return {
    ttft: { seconds: 2.5, quantile: 0.95, for: "10m" },
    e2e: { seconds: 60, quantile: 0.95, for: "10m" },
    queueWaiting: { requests: 50, for: "5m" },
    kvCacheUsage: { ratio: 0.95, for: "10m" },
    preemptions: { perSecond: 0.1, for: "15m" },
    errorRatio: { ratio: 0.05, for: "10m" },
    notServing: { for: "5m" },
    targetDown: { for: "3m" },
    vllmMetricsAbsent: { for: "5m" },
    gpuTemperature: { celsius: 85, for: "10m" },
    gpuMemory: { ratio: 0.97, for: "10m" },
  };
}

/**
 * Checks what must hold for the SLO shares to be exact: latency objectives on bucket edges of
 * every family that carries the signal. Throws a UserError listing every problem.
 */
export function validateThresholds(thresholds: Thresholds): Thresholds {
  const signals = histogramSignals();
  assertBucketEdges([
    { name: "ttft.seconds", value: thresholds.ttft.seconds, signal: signals.ttft },
    { name: "e2e.seconds", value: thresholds.e2e.seconds, signal: signals.e2e },
  ]);
  return thresholds;
}
