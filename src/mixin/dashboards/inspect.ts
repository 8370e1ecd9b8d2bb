/** Reading a built dashboard model: its panels and queries, and Grafana's variable substitution. */
import type { Panel, RowPanel } from "@grafana/grafana-foundation-sdk/dashboard";
import type { DashboardModel } from "./panels.js";

export interface PanelQuery {
  readonly dashboardUid: string;
  readonly panelId: number;
  readonly panelTitle: string;
  readonly refId: string;
  readonly expr: string;
}

/** A panel of a dashboard model as inspect reads it: the SDK's panel, rows excluded. */
export type PanelModel = Panel;

/** The PromQL text of a query of a panel (the SDK types queries loosely: each datasource has its own). */
function targetField(target: object, field: "expr" | "refId"): string {
  const value: unknown = (target as Record<string, unknown>)[field];
  return typeof value === "string" ? value : "";
}

/** Non-row panels of a dashboard model, those inside collapsed rows included. */
export function dashboardPanels(dashboard: DashboardModel): PanelModel[] {
  return (dashboard.panels ?? []).flatMap((panel): Panel[] =>
    panel.type === "row" ? [...((panel as RowPanel).panels ?? [])] : [panel as Panel],
  );
}

/** A Prometheus annotation query of a dashboard. */
export interface AnnotationQuery {
  readonly dashboardUid: string;
  readonly name: string;
  readonly expr: string;
}

export function dashboardAnnotations(dashboard: DashboardModel): AnnotationQuery[] {
  return (dashboard.annotations.list ?? []).flatMap((annotation) => {
    const expr = (annotation as { expr?: unknown }).expr;
    return typeof expr === "string" ? [{ dashboardUid: String(dashboard.uid), name: annotation.name, expr }] : [];
  });
}

/** Every target expression of every panel. */
export function dashboardQueries(dashboard: DashboardModel): PanelQuery[] {
  const uid = String(dashboard.uid);
  return dashboardPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      dashboardUid: uid,
      panelId: panel.id ?? -1,
      panelTitle: panel.title ?? "",
      refId: targetField(target, "refId"),
      expr: targetField(target, "expr"),
    })),
  );
}

/** The PromQL of every query variable of a dashboard. */
export function dashboardVariableQueries(dashboard: DashboardModel): string[] {
  return (dashboard.templating.list ?? []).flatMap((variable) => {
    if (typeof variable.query === "string") return [variable.query];
    const inner = (variable.query as { query?: unknown } | undefined)?.query;
    return typeof inner === "string" ? [inner] : [];
  });
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
    monitor: ".*",
  };
}

/** A query variable as the dashboard defines it. */
export interface VariableDefinition {
  readonly name: string;
  readonly query: string;
  /** `/…/` applied to each result of the query, as Grafana's variable regex. */
  readonly regex?: string;
}

/** The query variable `name` of a dashboard model, if there is one. */
export function dashboardVariable(dashboard: DashboardModel, name: string): VariableDefinition | undefined {
  const variable = (dashboard.templating.list ?? []).find((item) => item.name === name);
  if (variable === undefined) return undefined;
  const query =
    typeof variable.query === "string" ? variable.query : String((variable.query as { query?: string } | undefined)?.query ?? "");
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
