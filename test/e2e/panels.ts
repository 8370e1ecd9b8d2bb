/**
 * Every panel query of every shipped dashboard, with Grafana's variables substituted as Grafana
 * would send them with every variable on "All", and which of them return no data.
 */
import { thresholds } from "../../src/mixin/index.js";
import { dashboardFiles, type DashboardOptions } from "../../src/mixin/dashboards/index.js";
import { allSelectedValues, dashboardQueries, substituteVariables, type PanelQuery } from "../../src/mixin/dashboards/inspect.js";
import { query } from "./harness.js";

export interface EmptyPanel {
  readonly query: PanelQuery;
  readonly promql: string;
  readonly reason: string;
}

/** `$__rate_interval` as Grafana computes it for a scrape interval: four scrapes. */
export function rateIntervalFor(scrapeIntervalSeconds: number): string {
  return `${4 * scrapeIntervalSeconds}s`;
}

/**
 * `recorded`: the dashboards the stack provisions (they read our recording rules);
 * `raw`: the portable ones committed under dashboards/ for other Prometheus servers.
 */
export type DashboardSource = DashboardOptions["source"];

export function panelQueries(scrapeIntervalSeconds: number, source: DashboardSource = "recorded"): { query: PanelQuery; promql: string }[] {
  const values = allSelectedValues(rateIntervalFor(scrapeIntervalSeconds));
  return dashboardFiles({ source, thresholds: thresholds() })
    .flatMap((file) => dashboardQueries(file.dashboard))
    .filter((panelQuery) => panelQuery.expr.trim() !== "")
    .map((panelQuery) => ({ query: panelQuery, promql: substituteVariables(panelQuery.expr, values) }));
}

/** The panel queries that return no sample (or fail) right now; `only` asks just these again (e.g. the ones empty last time). */
export async function emptyPanels(
  prometheusUrl: string,
  scrapeIntervalSeconds: number,
  source?: DashboardSource,
  only?: readonly EmptyPanel[],
): Promise<EmptyPanel[]> {
  const empty: EmptyPanel[] = [];
  for (const { query: panelQuery, promql } of only ?? panelQueries(scrapeIntervalSeconds, source)) {
    try {
      const samples = await query(prometheusUrl, promql);
      if (samples.length === 0) empty.push({ query: panelQuery, promql, reason: "no data" });
    } catch (error) {
      empty.push({ query: panelQuery, promql, reason: (error as Error).message });
    }
  }
  return empty;
}

export function describeEmpty(empty: readonly EmptyPanel[]): string {
  return empty
    .map((item) => `${item.query.dashboardUid} / ${item.query.panelTitle} (${item.query.refId}): ${item.reason}: ${item.promql}`)
    .join("\n");
}
