/**
 * The mixin: dashboards, alert and recording rules and runbooks built together from one config
 * (src/mixin/config.ts: thresholds, objectives, selectors), so a threshold or the runbook address
 * changes everywhere at once. It hands out typed objects; `generate`, the renderer and the
 * Kubernetes manifests write them as JSON or YAML at their edge.
 */
import { defaultMixinConfig, type MixinConfig } from "./config.js";
import { dashboardFiles, type DashboardFile } from "./dashboards/index.js";
import { persesDashboardFiles, type PersesDashboardFile } from "./perses/index.js";
import { alertRules, ruleFiles, runbooksMarkdown, type AlertRule, type RuleFile } from "./rules/index.js";

export interface Mixin {
  /** Dashboards reading raw series (committed under dashboards/): they work against any Prometheus. */
  readonly portableDashboards: readonly DashboardFile[];
  /** The same dashboards reading our recording rules where cheaper: what our stack provisions. */
  readonly recordedDashboards: readonly DashboardFile[];
  /** The portable dashboards as Perses dashboards (committed under dashboards/perses/, drawn by the built-in viewer). */
  readonly persesDashboards: readonly PersesDashboardFile[];
  readonly ruleFiles: readonly RuleFile[];
  readonly alerts: readonly AlertRule[];
  /** docs/runbooks.md. */
  readonly runbooks: string;
}

/** Everything the mixin ships, built fresh. Pure. */
export function buildMixin(config: MixinConfig = defaultMixinConfig()): Mixin {
  const portableDashboards = dashboardFiles({ source: "raw", thresholds: config.thresholds });
  return {
    portableDashboards,
    persesDashboards: persesDashboardFiles(portableDashboards),
    recordedDashboards: dashboardFiles({ source: "recorded", thresholds: config.thresholds }),
    ruleFiles: ruleFiles(config),
    alerts: alertRules(config.thresholds, config.selectors),
    runbooks: runbooksMarkdown(config.thresholds),
  };
}

export {
  ALL_TARGETS,
  defaultMixinConfig,
  mixinConfig,
  thresholds,
  defaultThresholdInputs,
  scaleDuration,
  durationSeconds,
  type MixinConfig,
  type MixinSelectors,
  type Thresholds,
} from "./config.js";
export { seriesReadByMixin } from "./read-series.js";
