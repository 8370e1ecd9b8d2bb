/**
 * The series the mixin reads: every catalog name that a dashboard query, a dashboard variable or a
 * rule names. Remote write keeps exactly these (plus nothing else), so a central store receives
 * what its dashboards and rules need and not the hundreds of other series a scrape returns.
 * Derived from the built mixin, so a new panel or rule widens the list by itself. Pure.
 */
import { parse } from "yaml";
import { knownSeriesNames } from "../catalog/index.js";
import type { DashboardFile } from "./dashboards/index.js";
import { dashboardQueries } from "./dashboards/inspect.js";
import type { RuleFile } from "./rules/index.js";

interface MixinParts {
  readonly portableDashboards: readonly DashboardFile[];
  readonly recordedDashboards: readonly DashboardFile[];
  readonly ruleFiles: readonly RuleFile[];
}

function variableQueries(dashboard: Record<string, unknown>): string[] {
  const list = ((dashboard.templating ?? {}) as { list?: readonly { query?: unknown }[] }).list ?? [];
  return list.map((variable) => (typeof variable.query === "string" ? variable.query : JSON.stringify(variable.query ?? "")));
}

function ruleExpressions(file: RuleFile): string[] {
  const document = parse(file.content) as { groups?: { rules?: { expr?: string }[] }[] } | null;
  return (document?.groups ?? []).flatMap((group) => (group.rules ?? []).map((rule) => rule.expr ?? ""));
}

/** `name` as a whole series name in PromQL text: not part of a longer name (names may hold `:`). */
function mentions(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![A-Za-z0-9_:])${escaped}(?![A-Za-z0-9_:])`).test(text);
}

/** Sorted raw series names (catalog names) that some dashboard or rule of the mixin reads. */
export function seriesReadByMixin(mixin: MixinParts): string[] {
  const dashboards = [...mixin.portableDashboards, ...mixin.recordedDashboards].map((file) => file.dashboard);
  const texts = [
    ...dashboards.flatMap((dashboard) => dashboardQueries(dashboard).map((query) => query.expr)),
    ...dashboards.flatMap(variableQueries),
    ...mixin.ruleFiles.flatMap(ruleExpressions),
  ].join("\n");
  return [...knownSeriesNames()].filter((name) => mentions(texts, name)).sort();
}
