/** Reading a built dashboard back: its panels and queries, and Grafana's variable substitution. */

export interface PanelQuery {
  readonly dashboardUid: string;
  readonly panelId: number;
  readonly panelTitle: string;
  readonly refId: string;
  readonly expr: string;
}

interface PanelModel {
  readonly id?: number;
  readonly type?: string;
  readonly title?: string;
  readonly targets?: readonly { expr?: string; refId?: string }[];
}

/** Non-row panels of a dashboard JSON model. */
export function dashboardPanels(dashboard: Record<string, unknown>): PanelModel[] {
  const panels = (dashboard.panels ?? []) as PanelModel[];
  return panels.filter((panel) => panel.type !== "row");
}

/** Every target expression of every panel. */
export function dashboardQueries(dashboard: Record<string, unknown>): PanelQuery[] {
  const uid = String(dashboard.uid);
  return dashboardPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      dashboardUid: uid,
      panelId: panel.id ?? -1,
      panelTitle: panel.title ?? "",
      refId: target.refId ?? "",
      expr: target.expr ?? "",
    })),
  );
}

/**
 * Replaces `$name`, `${name}` and `[[name]]` the way Grafana does before sending a query.
 * Values are already formatted (a multi-value regex variable becomes `(a|b)`); unknown names stay.
 */
export function substituteVariables(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (match, braced?: string, plain?: string, bracketed?: string) => {
    const name = braced ?? plain ?? bracketed ?? "";
    return Object.prototype.hasOwnProperty.call(values, name) ? values[name]! : match;
  });
}

/** What Grafana sends with every variable on "All" (`.*`) and a 1-minute `$__rate_interval`. */
export function allSelectedValues(rateInterval = "1m"): Record<string, string> {
  return {
    __rate_interval: rateInterval,
    __interval: "15s",
    __range: "1h",
    job: ".*",
    instance: ".*",
    model_name: ".*",
    engine: ".*",
    hostname: ".*",
  };
}
