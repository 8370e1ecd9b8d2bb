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

/** `build` runs once, when the value is first read. */
function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/**
 * Everything the mixin ships, built fresh. Pure. Each part is built when first read: why: `up`
 * reads only the rules (and Grafana's dashboards), and building the dashboards it does not serve
 * was a second of its start-up, before Prometheus could start.
 */
export function buildMixin(config: MixinConfig = defaultMixinConfig()): Mixin {
  const portableDashboards = once(() => dashboardFiles({ source: "raw", thresholds: config.thresholds }));
  const persesDashboards = once(() => persesDashboardFiles(portableDashboards()));
  const recordedDashboards = once(() => dashboardFiles({ source: "recorded", thresholds: config.thresholds }));
  const rules = once(() => ruleFiles(config));
  const alerts = once(() => alertRules(config.thresholds, config.selectors));
  const runbooks = once(() => runbooksMarkdown(config.thresholds));
  return {
    get portableDashboards() {
      return portableDashboards();
    },
    get persesDashboards() {
      return persesDashboards();
    },
    get recordedDashboards() {
      return recordedDashboards();
    },
    get ruleFiles() {
      return rules();
    },
    get alerts() {
      return alerts();
    },
    get runbooks() {
      return runbooks();
    },
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
