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
  /** A collapsed row holds its panels. */
  readonly panels?: readonly PanelModel[];
}

/** Non-row panels of a dashboard JSON model, those inside collapsed rows included. */
export function dashboardPanels(dashboard: Record<string, unknown>): PanelModel[] {
  const panels = (dashboard.panels ?? []) as PanelModel[];
  return panels.flatMap((panel) => (panel.type === "row" ? [...(panel.panels ?? [])] : [panel]));
}

/** A Prometheus annotation query of a dashboard. */
export interface AnnotationQuery {
  readonly dashboardUid: string;
  readonly name: string;
  readonly expr: string;
}

export function dashboardAnnotations(dashboard: Record<string, unknown>): AnnotationQuery[] {
  const annotations = (dashboard.annotations ?? {}) as { list?: readonly { name?: string; expr?: string }[] };
  return (annotations.list ?? [])
    .filter((annotation) => typeof annotation.expr === "string")
    .map((annotation) => ({ dashboardUid: String(dashboard.uid), name: annotation.name ?? "", expr: annotation.expr ?? "" }));
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
    __range_s: "3600",
    job: ".*",
    instance: ".*",
    model_name: ".*",
    engine: ".*",
    hostname: ".*",
    namespace: ".*",
    pod: ".*",
  };
}

/** A query variable as the dashboard defines it. */
export interface VariableDefinition {
  readonly name: string;
  readonly query: string;
  /** `/…/` applied to each result of the query, as Grafana's variable regex. */
  readonly regex?: string;
}

/** The query variable `name` of a dashboard JSON model, if there is one. */
export function dashboardVariable(dashboard: Record<string, unknown>, name: string): VariableDefinition | undefined {
  const templating = (dashboard.templating ?? {}) as { list?: readonly { name?: string; query?: unknown; regex?: string }[] };
  const variable = (templating.list ?? []).find((item) => item.name === name);
  if (variable === undefined) return undefined;
  const query = typeof variable.query === "string" ? variable.query : String((variable.query as { query?: string } | undefined)?.query ?? "");
  return { name, query, ...(variable.regex ? { regex: variable.regex } : {}) };
}

/** The text Grafana's `query_result()` makes of one instant-vector sample: `name{a="b",…} value ms`. */
export function queryResultText(metric: Readonly<Record<string, string>>, value: string, timeSeconds: number): string {
  const { __name__: name = "", ...labels } = metric;
  const pairs = Object.entries(labels).map(([label, labelValue]) => `${label}="${labelValue}"`);
  return `${name}{${pairs.join(",")}} ${value} ${timeSeconds * 1000}`;
}

/** What a variable offers from its query's result texts: the regex's first group (or whole match), unique, sorted. */
export function variableOptions(texts: readonly string[], regex?: string): string[] {
  const pattern = regex === undefined ? undefined : /^\/(.*)\/([a-z]*)$/s.exec(regex);
  const expression = pattern === undefined || pattern === null ? undefined : new RegExp(pattern[1]!, pattern[2]);
  const values = texts.flatMap((text) => {
    if (expression === undefined) return [text];
    const match = expression.exec(text);
    return match === null ? [] : [match[1] ?? match[0]];
  });
  return [...new Set(values)].sort();
}

/**
 * The selection of a multi-value or include-All variable as Grafana writes it into a Prometheus
 * query: each value regex-escaped, several joined as `(a|b)`.
 */
export function regexVariableValue(values: readonly string[]): string {
  // why: Grafana escapes for a regex inside a PromQL string literal, so each escape is doubled.
  const escaped = values.map((value) => value.replace(/\\/g, "\\\\\\\\").replace(/[$^*{}[\]'+?.()|]/g, "\\\\$&"));
  return escaped.length === 1 ? escaped[0]! : `(${escaped.join("|")})`;
}
