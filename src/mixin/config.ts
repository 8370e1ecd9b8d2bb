/**
 * The thresholds of the mixin, owned here: the alerts, the SLO panels, the threshold lines of the
 * dashboards and the recording rules all read them from one `Thresholds` value, built by
 * `mixinConfig` from the settings. The latency objectives come from .env (SLO_TTFT_SECONDS,
 * SLO_E2E_SECONDS, SLO_ITL_SECONDS); the rest are constants below, each with when to change it.
 */
import type { Settings } from "../config/load.js";
import { defaultValue } from "../config/schema.js";
import { durationSeconds } from "../promql/duration.js";
import type { Selector } from "../promql/selector.js";

export interface Thresholds {
  /** TTFT objective: `quantile` of requests get their first token within `seconds` (a bucket edge). */
  readonly ttft: { readonly seconds: number; readonly quantile: number; readonly for: string };
  /**
   * End-to-end latency objective, likewise; `secondsPerToken` is the mean time per output token that
   * must also be exceeded, so long generations that are slow only because they are long do not page.
   */
  readonly e2e: { readonly seconds: number; readonly quantile: number; readonly secondsPerToken: number; readonly for: string };
  /** Requests waiting, per instance, that count as a queue building up. */
  readonly queueWaiting: { readonly requests: number; readonly for: string };
  /** KV-cache usage (0–1) that leaves no room; it alerts only while requests also wait or get preempted. */
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
  readonly gpuMemory: { readonly freeBytes?: number; readonly for: string };
  /** vLLM servers that should serve (VLLM_EXPECTED_REPLICAS); undefined: no replica alert. */
  readonly replicas: { readonly expected?: number; readonly for: string };
  /** Inter-token latency objective: `quantile` of token gaps within `seconds`. */
  readonly itl: { readonly seconds: number; readonly quantile: number; readonly for: string };
  /**
   * The availability objective (share of requests the server does not fail, SLO_AVAILABILITY) and its
   * multi-window burn-rate alerts: `factor` × the error budget over both windows.
   */
  readonly errorBudget: ErrorBudget;
  /** The TTFT objective: SLO_TTFT_TARGET of requests get their first token within `ttft.seconds`. */
  readonly ttftBudget: ErrorBudget;
  /** Share of HTTP requests answered with a 5xx status by the vLLM API servers. */
  readonly apiErrors: { readonly ratio: number; readonly minRequests: number; readonly for: string };
  /** A new Xid error: how long the last-Xid gauge must show it (the condition lasts `window`). */
  readonly gpuXid: { readonly window: string; readonly for: string };
  readonly gpuRowRemap: { readonly for: string };
  /** A GPU exporter whose GPUs reported within `window` but report no more, while vLLM serves. */
  readonly gpuExporterVanished: { readonly window: string; readonly for: string };
  /** Prometheus and Alertmanager failing at their own jobs: how long each failure must last. */
  readonly pipeline: {
    readonly ruleFailuresFor: string;
    readonly reloadFailedFor: string;
    readonly remoteWriteFor: string;
    readonly remoteWriteBehindSeconds: number;
    readonly notificationsFor: string;
  };
  /** Share of API requests refused by vLLM's admission caps (HTTP 503, load shedding) that means too little capacity. */
  readonly loadShedding: { readonly ratio: number; readonly for: string };
  /** One peak for every GPU (GPU_PEAK_TFLOPS, GPU_PEAK_MEMORY_BANDWIDTH_GBPS); unset: the GPU model's row of catalog/gpu-peaks.ts. */
  readonly gpuPeak: { readonly flopsPerSecond?: number; readonly memoryBytesPerSecond?: number };
}

export interface ErrorBudget {
  /** Share of good requests promised, e.g. 0.995. */
  readonly objective: number;
  /** Requests over a tier's long window below which one bad request is too large a share to mean anything. */
  readonly minRequests: number;
  /** Multiwindow, multi-burn-rate tiers (SRE workbook, kubernetes-mixin): two page, two open a ticket. */
  readonly tiers: readonly BurnRate[];
}

export interface BurnRate {
  readonly alert: string;
  readonly factor: number;
  readonly longWindow: "1h" | "6h" | "1d" | "3d";
  readonly shortWindow: "5m" | "30m" | "2h" | "6h";
  readonly for: string;
  /** critical pages, warning opens a ticket. */
  readonly severity: "critical" | "warning";
}

/** Durations before `ALERT_FOR_SCALE` is applied. */
const BASE_THRESHOLDS = {
  // Change `quantile` when your objective is stated for another percentile (p90, p99).
  ttftQuantile: 0.95,
  e2eQuantile: 0.95,
  // Raise when bursts of 50 queued requests are normal for your fleet (batch clients); lower for interactive-only traffic.
  queueWaiting: { requests: 50, for: "5m" },
  // Lower (e.g. 0.9) if preemptions hurt you before the cache is full. A full cache alone is healthy saturation
  // (vLLM fills it by design), so the alert also needs requests waiting or preemptions.
  kvCacheUsage: { ratio: 0.95, for: "10m" },
  // 0.1 s per output token is 10 tokens/s end to end, queueing and prefill included: slower than any healthy
  // server. A 2,000-token answer at 30 tokens/s takes 67 s and is fine; it stays under this and does not page.
  e2eSecondsPerToken: 0.1,
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
  // Off unless ALERT_GPU_FREE_MEMORY_GIB is set: vLLM holds --gpu-memory-utilization of each GPU on purpose.
  gpuMemory: { for: "15m" },
  // Long enough for a rolling restart of one server; shorter pages for every deploy.
  replicas: { for: "10m" },
  // ITL is judged at p99: one stall in a hundred tokens is what users notice while text streams.
  itlQuantile: 0.99,
  // The objective is SLO_AVAILABILITY. Four tiers as in Google's SRE workbook and kubernetes-mixin: 2 % of a
  // 30-day budget in 1 h or 5 % in 6 h pages; 10 % in 1 d or 10 % in 3 d opens a ticket. Each tier needs
  // `minRequests` finished requests over its long window: fewer make one error too large a share.
  // The TTFT objective (SLO_TTFT_TARGET) has the same tiers, named VllmTtftBudgetBurn*.
  budgetMinRequests: 100,
  burnTiers: [
    { name: "Fast", factor: 14.4, longWindow: "1h", shortWindow: "5m", for: "2m", severity: "critical" },
    { name: "High", factor: 6, longWindow: "6h", shortWindow: "30m", for: "15m", severity: "critical" },
    { name: "Slow", factor: 3, longWindow: "1d", shortWindow: "2h", for: "1h", severity: "warning" },
    { name: "Steady", factor: 1, longWindow: "3d", shortWindow: "6h", for: "3h", severity: "warning" },
  ],
  // 5xx answers from the API server itself: rejected, crashed or timed-out requests, which finished_reason never sees.
  apiErrors: { ratio: 0.05, minRequests: 100, for: "10m" },
  // Any new Xid matters; 10 minutes is how long the alert keeps showing one after the gauge changed.
  gpuXid: { window: "10m", for: "1m" },
  gpuRowRemap: { for: "1m" },
  // Long enough to notice an exporter that left service discovery; shorter windows resolve while it is still gone.
  gpuExporterVanished: { window: "6h", for: "5m" },
  // Long enough to skip a slow start or a burst; shorten for strict interactive objectives.
  latencyFor: "10m",
  // As prometheus-mixin: a rule failing for 15m is not a one-off timeout; a remote-write queue two minutes
  // behind cannot keep up (its write-ahead log holds about two hours); failed notifications for 10m are not a blip.
  pipeline: {
    ruleFailuresFor: "15m",
    reloadFailedFor: "10m",
    remoteWriteFor: "15m",
    remoteWriteBehindSeconds: 120,
    notificationsFor: "10m",
  },
  // 1 % of requests refused for 15 minutes is capacity missing, not a burst the cap absorbed; lower it where any refusal costs.
  loadShedding: { ratio: 0.01, for: "15m" },
} as const;

export { durationSeconds } from "../promql/duration.js";

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
  /** SLO_AVAILABILITY, in percent. */
  readonly availabilityPercent: number;
  /** SLO_TTFT_TARGET, a fraction. */
  readonly ttftTarget: number;
  /** ALERT_GPU_FREE_MEMORY_GIB; undefined: no GPU memory alert. */
  readonly gpuFreeMemoryGib?: number;
  /** VLLM_EXPECTED_REPLICAS; undefined: no replica alert. */
  readonly expectedReplicas?: number;
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
    availabilityPercent: defaultValue("SLO_AVAILABILITY"),
    ttftTarget: defaultValue("SLO_TTFT_TARGET"),
    forScale: defaultValue("ALERT_FOR_SCALE"),
  };
}

/** An objective's budget with the four tiers, alerts named `Vllm<prefix>BudgetBurn<tier>`. */
function budget(objective: number, prefix: "Error" | "Ttft", scaled: (duration: string) => string): ErrorBudget {
  return {
    objective,
    minRequests: BASE_THRESHOLDS.budgetMinRequests,
    tiers: BASE_THRESHOLDS.burnTiers.map(({ name, ...tier }) => ({
      ...tier,
      alert: `Vllm${prefix}BudgetBurn${name}`,
      for: scaled(tier.for),
    })),
  };
}

export function thresholds(inputs: ThresholdInputs = defaultThresholdInputs()): Thresholds {
  const scaled = (duration: string): string => scaleDuration(duration, inputs.forScale);
  const base = BASE_THRESHOLDS;
  return {
    ttft: { seconds: inputs.ttftSeconds, quantile: base.ttftQuantile, for: scaled(base.latencyFor) },
    e2e: { seconds: inputs.e2eSeconds, quantile: base.e2eQuantile, secondsPerToken: base.e2eSecondsPerToken, for: scaled(base.latencyFor) },
    queueWaiting: { ...base.queueWaiting, for: scaled(base.queueWaiting.for) },
    kvCacheUsage: { ...base.kvCacheUsage, for: scaled(base.kvCacheUsage.for) },
    preemptions: { ...base.preemptions, for: scaled(base.preemptions.for) },
    errorRatio: { ...base.errorRatio, for: scaled(base.errorRatio.for) },
    notServing: { for: scaled(base.notServing.for) },
    targetDown: { for: scaled(base.targetDown.for) },
    vllmMetricsAbsent: { for: scaled(base.vllmMetricsAbsent.for) },
    gpuTemperature: { ...base.gpuTemperature, for: scaled(base.gpuTemperature.for) },
    gpuMemory: {
      ...(inputs.gpuFreeMemoryGib === undefined ? {} : { freeBytes: Math.round(inputs.gpuFreeMemoryGib * 1024 ** 3) }),
      for: scaled(base.gpuMemory.for),
    },
    replicas: { ...(inputs.expectedReplicas === undefined ? {} : { expected: inputs.expectedReplicas }), for: scaled(base.replicas.for) },
    itl: { seconds: inputs.itlSeconds, quantile: base.itlQuantile, for: scaled(base.latencyFor) },
    errorBudget: budget(Math.round(inputs.availabilityPercent * 1e4) / 1e6, "Error", scaled),
    ttftBudget: budget(inputs.ttftTarget, "Ttft", scaled),
    apiErrors: { ...base.apiErrors, for: scaled(base.apiErrors.for) },
    gpuXid: { ...base.gpuXid, for: scaled(base.gpuXid.for) },
    gpuRowRemap: { for: scaled(base.gpuRowRemap.for) },
    gpuExporterVanished: { ...base.gpuExporterVanished, for: scaled(base.gpuExporterVanished.for) },
    pipeline: {
      ruleFailuresFor: scaled(base.pipeline.ruleFailuresFor),
      reloadFailedFor: scaled(base.pipeline.reloadFailedFor),
      remoteWriteFor: scaled(base.pipeline.remoteWriteFor),
      remoteWriteBehindSeconds: base.pipeline.remoteWriteBehindSeconds,
      notificationsFor: scaled(base.pipeline.notificationsFor),
    },
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
      availabilityPercent: env.SLO_AVAILABILITY,
      ttftTarget: env.SLO_TTFT_TARGET,
      forScale: env.ALERT_FOR_SCALE,
      ...(env.ALERT_GPU_FREE_MEMORY_GIB === undefined ? {} : { gpuFreeMemoryGib: env.ALERT_GPU_FREE_MEMORY_GIB }),
      ...(env.VLLM_EXPECTED_REPLICAS === undefined ? {} : { expectedReplicas: env.VLLM_EXPECTED_REPLICAS }),
      ...(env.GPU_PEAK_TFLOPS === undefined ? {} : { gpuPeakTflops: env.GPU_PEAK_TFLOPS }),
      ...(env.GPU_PEAK_MEMORY_BANDWIDTH_GBPS === undefined ? {} : { gpuPeakMemoryGbps: env.GPU_PEAK_MEMORY_BANDWIDTH_GBPS }),
    }),
    runbookBaseUrl: env.RUNBOOK_BASE_URL,
    selectors,
  };
}
