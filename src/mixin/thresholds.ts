/**
 * The thresholds of the mixin, owned here: the alerts, the SLO panels, the threshold lines of the
 * dashboards and the recording rules all read them from one `Thresholds` value, built by
 * `mixinConfig` from the settings. The latency objectives come from .env (SLO_TTFT_SECONDS,
 * SLO_E2E_SECONDS); the rest are constants below, each with when to change it.
 */
import { defaultValue } from "../config/schema.js";

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
  /** Share of finished requests that ended in `finished_reason="error"` (aborts are the client's choice, not a failure). */
  readonly errorRatio: { readonly ratio: number; readonly for: string };
  /** Requests queued, none running, no token produced. */
  readonly notServing: { readonly for: string };
  readonly targetDown: { readonly for: string };
  readonly vllmMetricsAbsent: { readonly for: string };
  readonly gpuTemperature: { readonly celsius: number; readonly for: string };
  /** vLLM reserves `--gpu-memory-utilization` (0.9 by default) of each GPU: normal use sits near it. */
  readonly gpuMemory: { readonly ratio: number; readonly for: string };
}

/** Durations before `ALERT_FOR_SCALE` is applied. */
const BASE_THRESHOLDS = {
  // Change `quantile` when your objective is stated for another percentile (p90, p99).
  ttftQuantile: 0.95,
  e2eQuantile: 0.95,
  // Raise when bursts of 50 queued requests are normal for your fleet (batch clients); lower for interactive-only traffic.
  queueWaiting: { requests: 50, for: "5m" },
  // Lower (e.g. 0.9) if preemptions hurt you before the cache is full; raise only with spare KV headroom.
  kvCacheUsage: { ratio: 0.95, for: "10m" },
  // Raise when occasional preemption under peak load is accepted; 0.1/s is one every 10 s per instance.
  preemptions: { perSecond: 0.1, for: "15m" },
  // Lower for strict error budgets; 5 % of requests failing for 10 minutes is an incident everywhere.
  errorRatio: { ratio: 0.05, for: "10m" },
  // Lengthen if engines legitimately stall for minutes (very long prefills on tiny GPUs).
  notServing: { for: "5m" },
  // Lengthen on networks where targets drop for a scrape or two; 3m rides out a vLLM restart.
  targetDown: { for: "3m" },
  vllmMetricsAbsent: { for: "5m" },
  // Lower to your GPUs' throttle point minus a margin (nvidia-smi -q: "GPU Slowdown Temp"); 85 °C suits H100/H200.
  gpuTemperature: { celsius: 85, for: "10m" },
  // Raise above 0.97 only if vLLM runs with --gpu-memory-utilization above 0.95.
  gpuMemory: { ratio: 0.97, for: "10m" },
  // Long enough to skip a slow start or a burst; shorten for strict interactive objectives.
  latencyFor: "10m",
} as const;

const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** Seconds of a Prometheus duration such as `10m` or `1h30m`. */
export function durationSeconds(duration: string): number {
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+)(ms|[smhdwy])/g)) total += Number(amount) * (UNIT_SECONDS[unit ?? "s"] ?? 1);
  return total;
}

/** A duration scaled by `factor`, as whole seconds (or minutes when exact), at least 1s. */
export function scaleDuration(duration: string, factor: number): string {
  if (factor === 1) return duration;
  const seconds = Math.max(1, Math.round(durationSeconds(duration) * factor));
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

export interface ThresholdInputs {
  readonly ttftSeconds: number;
  readonly e2eSeconds: number;
  /** Multiplies every `for:` (ALERT_FOR_SCALE). */
  readonly forScale: number;
}

/** The schema's defaults: what the committed dashboards/ and rules/ use. */
export function defaultThresholdInputs(): ThresholdInputs {
  return { ttftSeconds: defaultValue("SLO_TTFT_SECONDS"), e2eSeconds: defaultValue("SLO_E2E_SECONDS"), forScale: defaultValue("ALERT_FOR_SCALE") };
}

export function thresholds(inputs: ThresholdInputs = defaultThresholdInputs()): Thresholds {
  const scaled = (duration: string): string => scaleDuration(duration, inputs.forScale);
  const base = BASE_THRESHOLDS;
  return {
    ttft: { seconds: inputs.ttftSeconds, quantile: base.ttftQuantile, for: scaled(base.latencyFor) },
    e2e: { seconds: inputs.e2eSeconds, quantile: base.e2eQuantile, for: scaled(base.latencyFor) },
    queueWaiting: { ...base.queueWaiting, for: scaled(base.queueWaiting.for) },
    kvCacheUsage: { ...base.kvCacheUsage, for: scaled(base.kvCacheUsage.for) },
    preemptions: { ...base.preemptions, for: scaled(base.preemptions.for) },
    errorRatio: { ...base.errorRatio, for: scaled(base.errorRatio.for) },
    notServing: { for: scaled(base.notServing.for) },
    targetDown: { for: scaled(base.targetDown.for) },
    vllmMetricsAbsent: { for: scaled(base.vllmMetricsAbsent.for) },
    gpuTemperature: { ...base.gpuTemperature, for: scaled(base.gpuTemperature.for) },
    gpuMemory: { ...base.gpuMemory, for: scaled(base.gpuMemory.for) },
  };
}
