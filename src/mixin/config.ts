/**
 * The thresholds of the mixin, owned here: the alerts, the SLO panels, the threshold lines of the
 * dashboards and the recording rules all read them from one `Thresholds` value, built by
 * `mixinConfig` from the settings. The latency objectives come from .env (SLO_TTFT_SECONDS,
 * SLO_E2E_SECONDS, SLO_ITL_SECONDS); the rest are constants below, each with when to change it.
 */
import type { Settings } from "../config/load.js";
import { defaultValue } from "../config/schema.js";
import type { Selector } from "../promql/selector.js";

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
  /**
   * Free framebuffer memory below which a GPU is under memory pressure. Not a used share: vLLM
   * reserves `--gpu-memory-utilization` (0.9 by default) of each GPU at start, so high use is normal.
   */
  readonly gpuMemory: { readonly freeBytes: number; readonly for: string };
  /** Inter-token latency objective: `quantile` of token gaps within `seconds`. */
  readonly itl: { readonly seconds: number; readonly quantile: number; readonly for: string };
  /**
   * The error objective (share of finished requests not failed by the server) and its multi-window
   * burn-rate alerts: `factor` × the error budget over both windows.
   */
  readonly errorBudget: {
    readonly objective: number;
    /** Finished requests per 5 minutes below which one error is too large a share to mean anything. */
    readonly minRequests: number;
    readonly fast: BurnRate;
    readonly slow: BurnRate;
  };
  /** Share of HTTP requests answered with a 5xx status by the vLLM API servers. */
  readonly apiErrors: { readonly ratio: number; readonly minRequests: number; readonly for: string };
  /** A new Xid error: how long the last-Xid gauge must show it (the condition lasts `window`). */
  readonly gpuXid: { readonly window: string; readonly for: string };
  readonly gpuRowRemap: { readonly for: string };
  /** A GPU exporter whose GPUs reported within `window` but report no more, while vLLM serves. */
  readonly gpuExporterVanished: { readonly window: string; readonly for: string };
  /** Share of API requests refused by vLLM's admission caps (HTTP 503, load shedding) that means too little capacity. */
  readonly loadShedding: { readonly ratio: number; readonly for: string };
  /** One peak for every GPU (GPU_PEAK_TFLOPS, GPU_PEAK_MEMORY_BANDWIDTH_GBPS); unset: the GPU model's row of catalog/gpu-peaks.ts. */
  readonly gpuPeak: { readonly flopsPerSecond?: number; readonly memoryBytesPerSecond?: number };
}

export interface BurnRate {
  readonly factor: number;
  readonly longWindow: "1h" | "6h";
  readonly shortWindow: "5m" | "30m";
  readonly for: string;
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
  // 1 GiB is what a CUDA graph capture or a second process needs; raise it on GPUs shared with other work.
  gpuMemory: { freeBytes: 1024 ** 3, for: "15m" },
  // ITL is judged at p99: one stall in a hundred tokens is what users notice while text streams.
  itlQuantile: 0.99,
  // 99.5 % of finished requests not failed by the server; fast burn pages (2 % of a 30-day budget in 1 h),
  // slow burn opens a ticket (5 % in 6 h), as in Google's SRE workbook.
  errorBudget: {
    objective: 0.995,
    minRequests: 100,
    fast: { factor: 14.4, longWindow: "1h", shortWindow: "5m", for: "2m" },
    slow: { factor: 6, longWindow: "6h", shortWindow: "30m", for: "15m" },
  },
  // 5xx answers from the API server itself: rejected, crashed or timed-out requests, which finished_reason never sees.
  apiErrors: { ratio: 0.05, minRequests: 100, for: "10m" },
  // Any new Xid matters; 10 minutes is how long the alert keeps showing one after the gauge changed.
  gpuXid: { window: "10m", for: "1m" },
  gpuRowRemap: { for: "1m" },
  // Long enough to notice an exporter that left service discovery; shorter windows resolve while it is still gone.
  gpuExporterVanished: { window: "6h", for: "5m" },
  // Long enough to skip a slow start or a burst; shorten for strict interactive objectives.
  latencyFor: "10m",
  // 1 % of requests refused for 15 minutes is capacity missing, not a burst the cap absorbed; lower it where any refusal costs.
  loadShedding: { ratio: 0.01, for: "15m" },
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
  readonly itlSeconds: number;
  /** Multiplies every `for:` (ALERT_FOR_SCALE). */
  readonly forScale: number;
  /** GPU_PEAK_TFLOPS; undefined: from the GPU model. */
  readonly gpuPeakTflops?: number;
  /** GPU_PEAK_MEMORY_BANDWIDTH_GBPS; undefined: from the GPU model. */
  readonly gpuPeakMemoryGbps?: number;
}

/** The schema's defaults: what the committed dashboards/ and rules/ use. */
export function defaultThresholdInputs(): ThresholdInputs {
  return {
    ttftSeconds: defaultValue("SLO_TTFT_SECONDS"),
    e2eSeconds: defaultValue("SLO_E2E_SECONDS"),
    itlSeconds: defaultValue("SLO_ITL_SECONDS"),
    forScale: defaultValue("ALERT_FOR_SCALE"),
  };
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
    itl: { seconds: inputs.itlSeconds, quantile: base.itlQuantile, for: scaled(base.latencyFor) },
    errorBudget: {
      ...base.errorBudget,
      fast: { ...base.errorBudget.fast, for: scaled(base.errorBudget.fast.for) },
      slow: { ...base.errorBudget.slow, for: scaled(base.errorBudget.slow.for) },
    },
    apiErrors: { ...base.apiErrors, for: scaled(base.apiErrors.for) },
    gpuXid: { ...base.gpuXid, for: scaled(base.gpuXid.for) },
    gpuRowRemap: { for: scaled(base.gpuRowRemap.for) },
    gpuExporterVanished: { ...base.gpuExporterVanished, for: scaled(base.gpuExporterVanished.for) },
    loadShedding: { ...base.loadShedding, for: scaled(base.loadShedding.for) },
    gpuPeak: {
      ...(inputs.gpuPeakTflops === undefined ? {} : { flopsPerSecond: inputs.gpuPeakTflops * 1e12 }),
      ...(inputs.gpuPeakMemoryGbps === undefined ? {} : { memoryBytesPerSecond: inputs.gpuPeakMemoryGbps * 1e9 }),
    },
  };
}

/**
 * Which scrape targets are the mixin's own. Empty for our own stack, whose Prometheus scrapes only
 * what it was given; scoped where the Prometheus is shared (a cluster's kube-prometheus-stack, a
 * central ruler), so `ScrapeTargetDown` pages for our targets and not every target of the cluster.
 * Each entry is one selector; a target matching any of them is ours.
 */
export interface MixinSelectors {
  readonly scrapeTargets: readonly Selector[];
}

/** Every target of the Prometheus is ours. */
export const ALL_TARGETS: MixinSelectors = { scrapeTargets: [] };

export interface MixinConfig {
  readonly thresholds: Thresholds;
  /** Every alert's runbook_url is this plus `#anchor`. */
  readonly runbookBaseUrl: string;
  readonly selectors: MixinSelectors;
}

/** The schema's defaults: what the committed artifacts are generated from. */
export function defaultMixinConfig(): MixinConfig {
  return { thresholds: thresholds(), runbookBaseUrl: defaultValue("RUNBOOK_BASE_URL"), selectors: ALL_TARGETS };
}

/** The user's service levels, `for:` scale and runbook address, from the settings; `selectors` scope a shared Prometheus. */
export function mixinConfig(settings: Pick<Settings, "env">, selectors: MixinSelectors = ALL_TARGETS): MixinConfig {
  const { env } = settings;
  return {
    thresholds: thresholds({
      ttftSeconds: env.SLO_TTFT_SECONDS,
      e2eSeconds: env.SLO_E2E_SECONDS,
      itlSeconds: env.SLO_ITL_SECONDS,
      forScale: env.ALERT_FOR_SCALE,
      ...(env.GPU_PEAK_TFLOPS === undefined ? {} : { gpuPeakTflops: env.GPU_PEAK_TFLOPS }),
      ...(env.GPU_PEAK_MEMORY_BANDWIDTH_GBPS === undefined ? {} : { gpuPeakMemoryGbps: env.GPU_PEAK_MEMORY_BANDWIDTH_GBPS }),
    }),
    runbookBaseUrl: env.RUNBOOK_BASE_URL,
    selectors,
  };
}
