/**
 * The mixin: dashboards, alert and recording rules and runbooks built together from one config,
 * so a threshold or the runbook address changes everywhere at once. `generate` writes it with the
 * defaults (the committed dashboards/, rules/ and docs/runbooks.md); `conf` renders it with the
 * user's settings into the output folder.
 */
import type { Settings } from "../config/load.js";
import { defaultValue } from "../config/schema.js";
import { dashboardFiles, type DashboardFile } from "./dashboards/index.js";
import { alertRules, ruleFiles, runbooksMarkdown, type AlertRule, type RuleFile } from "./rules/index.js";
import { thresholds, type Thresholds } from "./config.js";

export interface MixinConfig {
  readonly thresholds: Thresholds;
  /** Every alert's runbook_url is this plus `#anchor`. */
  readonly runbookBaseUrl: string;
}

export interface Mixin {
  /** Dashboards reading raw series (committed under dashboards/): they work against any Prometheus. */
  readonly portableDashboards: readonly DashboardFile[];
  /** The same dashboards reading our recording rules where cheaper: what our stack provisions. */
  readonly recordedDashboards: readonly DashboardFile[];
  readonly ruleFiles: readonly RuleFile[];
  readonly alerts: readonly AlertRule[];
  /** docs/runbooks.md. */
  readonly runbooks: string;
}

/** The schema's defaults: what the committed artifacts are generated from. */
export function defaultMixinConfig(): MixinConfig {
  return { thresholds: thresholds(), runbookBaseUrl: defaultValue("RUNBOOK_BASE_URL") };
}

/** The user's service levels, `for:` scale and runbook address, from the settings. */
export function mixinConfig(settings: Pick<Settings, "env">): MixinConfig {
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
  };
}

/** Everything the mixin ships, built fresh. Pure. */
export function buildMixin(config: MixinConfig = defaultMixinConfig()): Mixin {
  return {
    portableDashboards: dashboardFiles({ source: "raw", thresholds: config.thresholds }),
    recordedDashboards: dashboardFiles({ source: "recorded", thresholds: config.thresholds }),
    ruleFiles: ruleFiles(config.thresholds, config.runbookBaseUrl),
    alerts: alertRules(config.thresholds),
    runbooks: runbooksMarkdown(config.thresholds),
  };
}

export { thresholds, defaultThresholdInputs, scaleDuration, durationSeconds, type Thresholds, type ThresholdInputs } from "./config.js";
export { seriesReadByMixin } from "./read-series.js";
