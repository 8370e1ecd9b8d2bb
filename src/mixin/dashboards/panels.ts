import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import {
  BigValueColorMode,
  BigValueGraphMode,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  HeatmapCellLayout,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  VizLegendOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type AnnotationContainer,
  type Dashboard,
  type DataSourceRef,
  type Panel,
  type VariableModel,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as GaugePanelBuilder } from "@grafana/grafana-foundation-sdk/gauge";
import {
  PanelBuilder as HeatmapPanelBuilder,
  HeatmapColorOptionsBuilder,
  HeatmapColorMode,
  HeatmapColorScale,
  RowsHeatmapOptionsBuilder,
  YAxisConfigBuilder,
} from "@grafana/grafana-foundation-sdk/heatmap";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanelBuilder } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { VARIABLES } from "../../promql/scope.js";
import { annotationList, type AnnotationSpec } from "./annotations.js";
import { readsSentence } from "./metric-names.js";
import { tableOptions, type TableSpec } from "./table.js";

/**
 * Shared panel factories. A dashboard module declares rows of `PanelSpec` (queries from
 * src/promql, layout here); `buildDashboard` turns them into fresh SDK builders every call.
 */

export interface TargetSpec {
  readonly expr: string;
  readonly legend: string;
  /** Heatmap targets return `le` buckets; table targets return one row per series. */
  readonly format?: "heatmap" | "table";
  /** One value per series at the end of the range (tables), instead of a range. */
  readonly instant?: boolean;
}

export interface ThresholdStep {
  readonly value: number | null;
  readonly color: string;
}

/** Green below an alert threshold or objective, red from it; time series draw it as a dashed line. */
export function alertLine(value: number): ThresholdStep[] {
  return [
    { value: null, color: "green" },
    { value, color: "red" },
  ];
}

/** How the series whose legend matches `match` (a regex) are drawn, against the panel's defaults. */
export interface SeriesStyle {
  readonly match: string;
  /** Left out of the stack (a total drawn over the stacked parts). */
  readonly unstacked?: boolean;
  readonly dashed?: boolean;
}

/** A link that keeps the time range and the variables (`${__url_time_range}`, `${var:queryparam}`). */
export interface LinkSpec {
  readonly title: string;
  readonly url: string;
}

export interface PanelSpec {
  /** Stable key: the panel id is derived from it, so links to a panel survive reordering. */
  readonly key: string;
  readonly kind: "timeseries" | "stat" | "gauge" | "heatmap" | "table";
  readonly title: string;
  /** What the panel shows and how to read it; "Reads <metric names>." is appended from the queries. */
  readonly description: string;
  /** A Grafana unit id, e.g. `s`, `reqps`, `percentunit`, `bytes`. */
  readonly unit: string;
  readonly targets: readonly TargetSpec[];
  readonly width?: number;
  readonly height?: number;
  readonly min?: number;
  readonly max?: number;
  readonly thresholds?: readonly ThresholdStep[];
  /** Draw the thresholds as dashed lines on a time series (the alert thresholds). */
  readonly thresholdLine?: boolean;
  /** What Grafana shows instead of an empty box, e.g. "No data: needs --enable-lora". */
  readonly noValue?: string;
  /** A table legend with mean, max and last, for panels with many series. */
  readonly legend?: "table";
  /** Stack the series so the parts add up (series styles may leave some out). */
  readonly stacked?: boolean;
  readonly seriesStyles?: readonly SeriesStyle[];
  readonly links?: readonly LinkSpec[];
  /** One copy of the panel per selected value of this variable (e.g. a stacked panel per model). */
  readonly repeat?: string;
  /** Columns, renames and row links of a `table` panel. */
  readonly table?: TableSpec;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
  /** Collapsed rows run no query until opened. */
  readonly collapsed?: boolean;
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly rows: readonly RowSpec[];
  readonly variables: readonly cog.Builder<VariableModel>[];
  readonly annotations?: readonly AnnotationSpec[];
}

/** Every panel and target points at the datasource variable; no datasource uid is written anywhere. */
export function datasourceRef(): DataSourceRef {
  return { type: "prometheus", uid: `\${${VARIABLES.datasource}}` };
}

/** FNV-1a of the key, kept in a range Grafana's panel ids are happy with. */
export function panelId(key: string): number {
  let hash = 0x811c9dc5;
  for (const char of key) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return 1 + (hash % 999_999);
}

/** The tag every shipped dashboard carries; the dashboard links list the dashboards with it. */
export const DASHBOARD_TAG = "vllm";

const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

export function refId(index: number): string {
  return REF_IDS[index] ?? `Q${index}`;
}

function queries(spec: PanelSpec): DataqueryBuilder[] {
  return spec.targets.map((target, index) => {
    const query = new DataqueryBuilder().datasource(datasourceRef()).expr(target.expr).legendFormat(target.legend).refId(refId(index));
    if (target.instant === true) query.instant();
    else query.range();
    if (target.format === "heatmap") query.format(PromQueryFormat.Heatmap);
    if (target.format === "table") query.format(PromQueryFormat.Table);
    return query;
  });
}

function thresholds(steps: readonly ThresholdStep[] | undefined): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps((steps ?? [{ value: null, color: "green" }]).map((step) => ({ ...step })));
}

function legend(spec: PanelSpec): VizLegendOptionsBuilder {
  const builder = new VizLegendOptionsBuilder().showLegend(true);
  if (spec.legend === "table")
    return builder.displayMode(LegendDisplayMode.Table).placement(LegendPlacement.Bottom).calcs(["mean", "max", "lastNotNull"]);
  return builder.displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom);
}

function timeseries(spec: PanelSpec): TimeseriesPanelBuilder {
  const builder = new TimeseriesPanelBuilder()
    .fillOpacity(spec.stacked ? 35 : 10)
    .lineWidth(1)
    .legend(legend(spec));
  if (spec.thresholdLine === true) builder.thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
  if (spec.stacked === true) builder.stacking(new StackingConfigBuilder().mode(StackingMode.Normal).group("A"));
  for (const style of spec.seriesStyles ?? []) {
    const properties = [
      ...(style.unstacked
        ? [
            { id: "custom.stacking", value: { mode: StackingMode.None, group: "A" } },
            { id: "custom.fillOpacity", value: 0 },
          ]
        : []),
      ...(style.dashed
        ? [
            { id: "custom.lineStyle", value: { fill: "dash", dash: [10, 10] } },
            { id: "custom.lineWidth", value: 2 },
          ]
        : []),
    ];
    builder.overrideByRegexp(style.match, properties);
  }
  return builder;
}

type AnyPanelBuilder = TimeseriesPanelBuilder | StatPanelBuilder | GaugePanelBuilder | HeatmapPanelBuilder | TablePanelBuilder;

function panelBuilder(spec: PanelSpec): AnyPanelBuilder {
  switch (spec.kind) {
    case "timeseries":
      return timeseries(spec);
    case "stat":
      return new StatPanelBuilder()
        .graphMode(BigValueGraphMode.Area)
        .colorMode(BigValueColorMode.Value)
        .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false));
    case "gauge":
      return new GaugePanelBuilder().reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false));
    case "heatmap":
      return new HeatmapPanelBuilder()
        .calculate(false)
        .rowsFrame(new RowsHeatmapOptionsBuilder().layout(HeatmapCellLayout.Le))
        .yAxis(new YAxisConfigBuilder().unit(spec.unit))
        .color(
          new HeatmapColorOptionsBuilder()
            .mode(HeatmapColorMode.Scheme)
            .scheme("Oranges")
            .scale(HeatmapColorScale.Exponential)
            .exponent(0.5)
            .steps(64),
        )
        .cellGap(1);
    case "table":
      return tableOptions(new TablePanelBuilder(), spec.table, spec.targets.length);
  }
}

function panelLinks(links: readonly LinkSpec[]): DashboardLinkBuilder[] {
  return links.map((link) => new DashboardLinkBuilder(link.title).url(link.url));
}

function buildPanel(spec: PanelSpec, position: { x: number; y: number; w: number; h: number }): AnyPanelBuilder {
  const builder = panelBuilder(spec)
    .id(panelId(spec.key))
    .title(spec.title)
    .description(`${spec.description} ${readsSentence(spec.targets.map((target) => target.expr))}`)
    .datasource(datasourceRef())
    .unit(spec.unit)
    .gridPos(position)
    .thresholds(thresholds(spec.thresholds))
    .targets(queries(spec));
  if (spec.min !== undefined) builder.min(spec.min);
  if (spec.max !== undefined) builder.max(spec.max);
  if (spec.noValue !== undefined) builder.noValue(spec.noValue);
  if (spec.links !== undefined) builder.links(panelLinks(spec.links));
  if (spec.repeat !== undefined) builder.repeat(spec.repeat).repeatDirection("h").maxPerRow(2);
  return builder;
}

const GRID_WIDTH = 24;

/** Links to the other shipped dashboards (by tag), keeping the time range and the variables. */
function dashboardLinks(): DashboardLinkBuilder[] {
  return [
    new DashboardLinkBuilder("vLLM dashboards")
      .type(DashboardLinkType.Dashboards)
      .tags([DASHBOARD_TAG])
      .asDropdown(false)
      .includeVars(true)
      .keepTime(true)
      .targetBlank(false)
      .icon("external link")
      .tooltip(""),
  ];
}

/** A dashboard as Grafana imports it (the SDK's model); written as JSON only by the edges. */
export type DashboardModel = Dashboard;

/** Builds the dashboard model; panels flow left to right and wrap at the grid width. */
export function buildDashboard(spec: DashboardSpec): DashboardModel {
  const dashboard = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([...spec.tags])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: "now-1h", to: "now" })
    .refresh("30s")
    .timezone("browser")
    .links(dashboardLinks())
    .variables([...spec.variables]);
  let y = 0;
  for (const row of spec.rows) {
    const rowBuilder = new RowBuilder(row.title).id(panelId(`row:${row.title}`)).gridPos({ x: 0, y, w: GRID_WIDTH, h: 1 });
    if (row.collapsed === true) rowBuilder.collapsed(true);
    y += 1;
    const firstPanelY = y;
    let x = 0;
    let rowHeight = 0;
    const panels: cog.Builder<Panel>[] = [];
    for (const panel of row.panels) {
      const w = panel.width ?? 8;
      const h = panel.height ?? 8;
      if (x + w > GRID_WIDTH) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      panels.push(buildPanel(panel, { x, y, w, h }) as cog.Builder<Panel>);
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
    if (row.collapsed === true) {
      // why: a collapsed row holds its panels; Grafana lays them out below the row when it is opened.
      for (const panel of panels) rowBuilder.withPanel(panel);
      dashboard.withRow(rowBuilder);
      y = firstPanelY;
    } else {
      dashboard.withRow(rowBuilder);
      for (const panel of panels) dashboard.withPanel(panel);
    }
  }
  const model = dashboard.build();
  return { ...model, annotations: annotationList(spec.annotations ?? [], datasourceRef()) as unknown as AnnotationContainer };
}

export type { AnnotationSpec } from "./annotations.js";
export type { TableSpec } from "./table.js";
