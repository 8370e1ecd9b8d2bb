/**
 * The series the mixin reads: every catalog name that a dashboard query, a dashboard variable or a
 * rule names. Remote write keeps exactly these (plus nothing else), so a central store receives
 * what its dashboards and rules need and not the hundreds of other series a scrape returns.
 * Derived from the built mixin's objects, so a new panel or rule widens the list by itself. Pure.
 */
import { knownSeriesNames } from "../catalog/index.js";
import { seriesRead } from "../catalog/series-read.js";
import { dashboardQueries, dashboardVariableQueries } from "./dashboards/inspect.js";
import type { DashboardModel } from "./dashboards/panels.js";
import { ruleExpressions, type RuleFile } from "./rules/index.js";

interface MixinParts {
  readonly portableDashboards: readonly { readonly dashboard: DashboardModel }[];
  readonly recordedDashboards: readonly { readonly dashboard: DashboardModel }[];
  readonly ruleFiles: readonly RuleFile[];
}

/** Sorted raw series names (catalog names) that some dashboard or rule of the mixin reads. */
export function seriesReadByMixin(mixin: MixinParts): string[] {
  const dashboards = [...mixin.portableDashboards, ...mixin.recordedDashboards].map((file) => file.dashboard);
  const exprs = [
    ...dashboards.flatMap((dashboard) => dashboardQueries(dashboard).map((query) => query.expr)),
    ...dashboards.flatMap(dashboardVariableQueries),
    ...ruleExpressions(mixin.ruleFiles),
  ];
  const known = knownSeriesNames();
  return [...new Set(exprs.flatMap(seriesRead))].filter((name) => known.has(name)).sort();
}
