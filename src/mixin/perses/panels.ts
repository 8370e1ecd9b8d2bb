import type { LinkSpec, PanelSpec, SeriesStyle, ThresholdStep } from "../dashboards/panels.js";
import { readsSentence } from "../dashboards/metric-names.js";
import { refId } from "../dashboards/panels.js";
import { persesFormat } from "./units.js";
import type { PersesLink, PersesPanel, PersesQuery, PersesThresholds, PluginDefinition, PanelPluginKind } from "./types.js";

/** Grafana's named colours as the hex values Grafana draws them with, so a threshold keeps its colour. */
const COLORS: Readonly<Record<string, string>> = {
  green: "#73BF69",
  red: "#F2495C",
  orange: "#FF9830",
  yellow: "#FADE2A",
  blue: "#5794F2",
};

function color(name: string): string {
  return COLORS[name] ?? name;
}

/** Grafana's step list (a `null` base colour, then values) as Perses thresholds (a default colour, then values). */
export function persesThresholds(steps: readonly ThresholdStep[]): PersesThresholds {
  const base = steps.find((step) => step.value === null);
  return {
    defaultColor: color(base?.color ?? "green"),
    steps: steps.flatMap((step) => (step.value === null ? [] : [{ value: step.value, color: color(step.color) }])),
  };
}

function queries(panel: PanelSpec): PersesQuery[] {
  return panel.targets.map((target) => ({
    kind: "TimeSeriesQuery",
    spec: { plugin: { kind: "PrometheusTimeSeriesQuery", spec: { query: target.expr, seriesNameFormat: target.legend } } },
  }));
}

/**
 * A Grafana link URL as a Perses one. Dashboard links are `/d/<uid>?${__url_time_range}&${var:queryparam}…`;
 * in Perses a dashboard lives at `/projects/<project>/dashboards/<name>`, so the link is relative to
 * the current dashboard (it works in any project), the time range is `start`/`end` and the data
 * source variable, which Perses has not, is dropped.
 */
export function persesLinkUrl(url: string): string {
  const dashboard = /^\/d\/([a-z0-9-]+)\?(.*)$/.exec(url);
  if (dashboard === null) return url;
  const parameters = (dashboard[2] ?? "")
    .split("&")
    .filter((parameter) => parameter !== "${datasource:queryparam}")
    .map((parameter) => (parameter === "${__url_time_range}" ? "start=${__from}&end=${__to}" : parameter));
  return `./${dashboard[1]}?${parameters.join("&")}`;
}

function links(specs: readonly LinkSpec[]): PersesLink[] {
  return specs.map((link) => ({ name: link.title, url: persesLinkUrl(link.url), renderVariables: true, targetBlank: false }));
}

/** Per-query line styles: Grafana overrides by a regex on the series name, matched here on each query's legend. */
function querySettings(panel: PanelSpec): Record<string, unknown>[] {
  const styles: readonly SeriesStyle[] = panel.seriesStyles ?? [];
  return panel.targets.flatMap((target, queryIndex) => {
    const style = styles.find((candidate) => new RegExp(candidate.match).test(target.legend));
    if (style === undefined) return [];
    return [{ queryIndex, ...(style.dashed ? { lineStyle: "dashed" } : {}), ...(style.unstacked ? { areaOpacity: 0 } : {}) }];
  });
}

function timeSeriesChart(panel: PanelSpec): Record<string, unknown> {
  const settings = querySettings(panel);
  return {
    legend:
      panel.legend === "table"
        ? { position: "bottom", mode: "table", values: ["mean", "max", "last-number"] }
        : { position: "bottom", mode: "list" },
    yAxis: {
      format: persesFormat(panel.unit),
      ...(panel.min === undefined ? {} : { min: panel.min }),
      ...(panel.max === undefined ? {} : { max: panel.max }),
    },
    // why: Perses draws a time series' thresholds as dashed lines; only the alert lines are meant to show.
    ...(panel.thresholdLine === true && panel.thresholds !== undefined ? { thresholds: persesThresholds(panel.thresholds) } : {}),
    visual: {
      display: "line",
      lineWidth: 1.25,
      areaOpacity: panel.stacked === true ? 0.35 : 0.1,
      stack: panel.stacked === true ? "all" : "none",
      connectNulls: false,
    },
    ...(settings.length > 0 ? { querySettings: settings } : {}),
  };
}

function tableColumns(panel: PanelSpec): Record<string, unknown>[] {
  const table = panel.table;
  if (table === undefined) return [];
  const valueName = (index: number) => (panel.targets.length === 1 ? "value" : `value #${index + 1}`);
  const columnIndex = (id: string) => panel.targets.findIndex((_, index) => refId(index) === id);
  return [
    { name: "timestamp", hide: true },
    ...table.labels.map((label) => ({ name: label, header: label })),
    ...table.columns.map((column) => ({
      name: valueName(columnIndex(column.refId)),
      header: column.title,
      format: { ...persesFormat(column.unit), ...(column.decimals === undefined ? {} : { decimalPlaces: column.decimals }) },
    })),
  ];
}

function panelPlugin(panel: PanelSpec): PluginDefinition<PanelPluginKind> {
  const thresholds = panel.thresholds === undefined ? {} : { thresholds: persesThresholds(panel.thresholds) };
  switch (panel.kind) {
    case "timeseries":
      return { kind: "TimeSeriesChart", spec: timeSeriesChart(panel) };
    // why: Perses' HeatMapChart reads native histograms only; vLLM exports classic `le` buckets, so
    // each bucket's rate is drawn as a line (the same query and legend as Grafana's heatmap).
    case "heatmap":
      return {
        kind: "TimeSeriesChart",
        spec: { ...timeSeriesChart({ ...panel, unit: "reqps" }), legend: { position: "right", mode: "list" } },
      };
    case "stat":
      return { kind: "StatChart", spec: { calculation: "last-number", format: persesFormat(panel.unit), sparkline: {}, ...thresholds } };
    case "gauge":
      return {
        kind: "GaugeChart",
        spec: {
          calculation: "last-number",
          format: persesFormat(panel.unit),
          ...(panel.max === undefined ? {} : { max: panel.max }),
          ...thresholds,
        },
      };
    case "table":
      return {
        kind: "Table",
        spec: { density: "compact", columnSettings: tableColumns(panel), transforms: [{ kind: "MergeSeries", spec: {} }] },
      };
  }
}

/** One Perses panel: the same title, description, queries, unit, thresholds and links as the Grafana panel. */
export function persesPanel(panel: PanelSpec): PersesPanel {
  const description = `${panel.description} ${readsSentence(panel.targets.map((target) => target.expr))}`.trim();
  return {
    kind: "Panel",
    spec: {
      display: { name: panel.title, description },
      plugin: panelPlugin(panel),
      queries: queries(panel),
      ...(panel.links === undefined ? {} : { links: links(panel.links) }),
    },
  };
}
